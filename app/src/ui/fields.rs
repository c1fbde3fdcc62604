//! The profile editor's draft and its form fields.
//!
//! [`Editor`] holds the draft the form shows and saves it, debounced, as one engine change per
//! save. Field components read the draft through plain accessor functions and write through
//! [`Editor::edit`]; list fields re-render their rows only when the number of rows changes, so
//! typing never loses focus.

use std::time::Duration;

use leptos::prelude::*;
use tsunagu_core::profile::{Profile, Visibility};
use tsunagu_core::vocab::{Audience, Field};

use super::icons;
use crate::i18n::*;
use crate::runtime::Client;

/// Typing pauses this long before the draft is saved (one change per save, docs/design.md §1).
const SAVE_AFTER: Duration = Duration::from_millis(300);

#[derive(Debug, Clone, Copy)]
pub(crate) struct Editor {
    client: Client,
    pub(crate) draft: RwSignal<Option<Profile>>,
    /// What the draft was when last saved or loaded, to tell our own echo from a remote change.
    last_saved: StoredValue<Option<Profile>>,
    /// A debounced save is waiting.
    dirty: StoredValue<bool>,
    generation: StoredValue<u64>,
    /// Whom each field is shown to, as the person chose.
    visibility: RwSignal<Visibility>,
    /// The organisation's defaults for fields the person never chose for.
    defaults: RwSignal<Visibility>,
}

impl Editor {
    pub(crate) fn new(client: Client) -> Self {
        let current = client.my_profile();
        Self {
            client,
            draft: RwSignal::new(current.clone()),
            last_saved: StoredValue::new(current),
            dirty: StoredValue::new(false),
            generation: StoredValue::new(0),
            visibility: RwSignal::new(client.my_visibility()),
            defaults: RwSignal::new(client.default_visibility()),
        }
    }

    /// Whom `field` is shown to (tracked).
    pub(crate) fn audience(&self, field: Field) -> Audience {
        let defaults = self.defaults;
        self.visibility.with(|v| defaults.with(|d| v.of(field, d)))
    }

    /// Shows `field` to `audience` from now on: it moves to that audience's part at once.
    pub(crate) fn set_audience(&self, field: Field, audience: Audience) {
        self.visibility.update(|v| {
            v.0.insert(field.key().to_owned(), audience);
        });
        self.dirty.set_value(true);
        self.client.profile_edited();
        self.save_now();
    }

    /// Reads from the draft (tracked).
    pub(crate) fn read<T>(&self, f: impl FnOnce(&Profile) -> T) -> Option<T> {
        self.draft.with(|d| d.as_ref().map(f))
    }

    /// Changes the draft and schedules a save.
    pub(crate) fn edit(&self, f: impl FnOnce(&mut Profile)) {
        self.draft.update(|d| {
            if let Some(p) = d {
                f(p);
            }
        });
        self.dirty.set_value(true);
        let generation = self.generation.get_value() + 1;
        self.generation.set_value(generation);
        self.client.profile_edited();
        let this = *self;
        wasm_bindgen_futures::spawn_local(async move {
            gloo_timers::future::sleep(SAVE_AFTER).await;
            // The page may be gone; `save_now` ran at cleanup then.
            if this.generation.try_get_value() == Some(generation) {
                this.save_now();
            }
        });
    }

    /// Saves a waiting edit at once (leaving the page, hiding the app).
    pub(crate) fn save_now(&self) {
        if self.dirty.try_get_value() != Some(true) {
            return;
        }
        let Some(Some(profile)) = self.draft.try_get_untracked() else {
            return;
        };
        self.dirty.set_value(false);
        self.last_saved.set_value(Some(profile.clone()));
        self.client
            .save_profile(&profile, &self.visibility.get_untracked());
    }

    /// A document changed: adopt a remote version of the profile unless an edit is waiting.
    pub(crate) fn sync_from_document(&self) {
        if self.dirty.get_value() {
            return;
        }
        let current = self.client.my_profile();
        if current != self.last_saved.get_value() {
            self.last_saved.set_value(current.clone());
            self.draft.set(current);
        }
        let (visibility, defaults) = (
            self.client.my_visibility(),
            self.client.default_visibility(),
        );
        if self.visibility.with_untracked(|v| *v != visibility) {
            self.visibility.set(visibility);
        }
        if self.defaults.with_untracked(|d| *d != defaults) {
            self.defaults.set(defaults);
        }
    }
}

/// A single-line (or, with `multiline`, a multi-line) text field bound to one profile field.
#[component]
pub(crate) fn TextField(
    editor: Editor,
    label: Signal<&'static str>,
    testid: &'static str,
    get: fn(&Profile) -> &str,
    set: fn(&mut Profile, String),
    #[prop(optional)] hint: Option<Signal<&'static str>>,
    #[prop(default = "text")] kind: &'static str,
    #[prop(default = "off")] autocomplete: &'static str,
    #[prop(optional)] multiline: bool,
    #[prop(optional)] lang: Option<&'static str>,
    /// The field's audience is the person's choice: show the selector.
    #[prop(optional)]
    field: Option<Field>,
) -> impl IntoView {
    let value = move || editor.read(|p| get(p).to_owned()).unwrap_or_default();
    let on_input = move |ev: leptos::ev::Event| {
        let text = event_target_value(&ev);
        editor.edit(|p| set(p, text));
    };
    let placeholder = move || hint.map(|h| h.get()).unwrap_or_default();
    let input = if multiline {
        view! {
            <textarea class="input textarea" rows="4" data-testid=testid placeholder=placeholder lang=lang prop:value=value on:input=on_input></textarea>
        }
        .into_any()
    } else {
        view! {
            <input class="input" type=kind data-testid=testid autocomplete=autocomplete placeholder=placeholder lang=lang prop:value=value on:input=on_input />
        }
        .into_any()
    };
    view! {
        <label class="field">
            <span class="field-label">{move || label.get()}</span>
            {input}
            {field.map(|field| view! { <AudienceSelect editor=editor field=field label=label /> })}
        </label>
    }
}

/// "Who can see this": everyone in the network, alumni and employees, admins only, or only me.
#[component]
pub(crate) fn AudienceSelect(
    editor: Editor,
    field: Field,
    label: Signal<&'static str>,
) -> impl IntoView {
    let i18n = use_i18n();
    let name = move || format!("{} ({})", t_string!(i18n, visibility.label), label.get());
    view! {
        <span class="audience" data-audience=move || editor.audience(field).key()>
            <icons::Eye />
            <select
                class="audience-select"
                data-testid=format!("visibility-{}", field.key())
                aria-label=name
                on:change=move |ev| {
                    if let Some(audience) = Audience::from_key(&event_target_value(&ev)) {
                        editor.set_audience(field, audience);
                    }
                }
            >
                {Audience::ALL.into_iter().map(|audience| view! {
                    <option value=audience.key() selected=move || editor.audience(field) == audience>
                        {move || audience_label(i18n.get_locale(), audience)}
                    </option>
                }).collect_view()}
            </select>
        </span>
    }
}

pub(crate) fn audience_label(locale: Locale, audience: Audience) -> &'static str {
    match audience {
        Audience::Everyone => td_string!(locale, visibility.everyone),
        Audience::Members => td_string!(locale, visibility.members),
        Audience::Admins => td_string!(locale, visibility.admins),
        Audience::OnlyMe => td_string!(locale, visibility.only_me),
    }
}

/// Skills or certifications: chips with a remove button, and an entry that adds on Enter.
#[component]
pub(crate) fn TagField(
    editor: Editor,
    label: Signal<&'static str>,
    testid: &'static str,
    get: fn(&Profile) -> &Vec<String>,
    get_mut: fn(&mut Profile) -> &mut Vec<String>,
    field: Field,
) -> impl IntoView {
    let i18n = use_i18n();
    let entry = RwSignal::new(String::new());
    let add = move || {
        let text = entry.get_untracked();
        let new: Vec<String> = text
            .split([',', '、', '，'])
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .map(str::to_owned)
            .collect();
        if new.is_empty() {
            return;
        }
        editor.edit(|p| {
            let tags = get_mut(p);
            for tag in new {
                if !tags.contains(&tag) {
                    tags.push(tag);
                }
            }
        });
        entry.set(String::new());
    };
    let tags = move || editor.read(|p| get(p).clone()).unwrap_or_default();
    view! {
        <div class="field">
            <span class="field-label">{move || label.get()}</span>
            <div class="tag-field" data-testid=testid>
                <ul class="chips" aria-live="polite">
                    {move || {
                        tags()
                            .into_iter()
                            .map(|tag| {
                                let remove_label = format!("{} {tag}", t_string!(i18n, edit.remove));
                                let removed = tag.clone();
                                view! {
                                    <li class="chip chip-removable" data-testid=format!("{testid}-tag")>
                                        <span>{tag}</span>
                                        <button
                                            type="button"
                                            class="chip-remove"
                                            aria-label=remove_label
                                            on:click=move |_| {
                                                let removed = removed.clone();
                                                editor.edit(move |p| get_mut(p).retain(|t| *t != removed));
                                            }
                                        >
                                            <icons::Close />
                                        </button>
                                    </li>
                                }
                            })
                            .collect_view()
                    }}
                </ul>
                <div class="tag-entry-row">
                    <input
                        class="input tag-entry"
                        type="text"
                        data-testid=format!("{testid}-input")
                        aria-label=move || label.get()
                        placeholder=move || t_string!(i18n, edit.tag_hint)
                        prop:value=move || entry.get()
                        on:input=move |ev| entry.set(event_target_value(&ev))
                        on:keydown=move |ev: leptos::ev::KeyboardEvent| {
                            // Enter also confirms a Japanese IME composition: only add after it.
                            if ev.key() == "Enter" && !ev.is_composing() {
                                ev.prevent_default();
                                add();
                            }
                        }
                    />
                    <button type="button" class="button button-small" data-testid=format!("{testid}-add") on:click=move |_| add()>
                        {move || t_string!(i18n, edit.add)}
                    </button>
                </div>
            </div>
            <AudienceSelect editor=editor field=field label=label />
        </div>
    }
}

/// One text box in each row of a [`RowsField`].
pub(crate) struct RowInput<T> {
    /// The box's part of its data-testid: `<row testid>-<i>-<key>`.
    pub(crate) key: &'static str,
    /// What the box holds, for screen readers; also its placeholder unless `placeholder` is set.
    pub(crate) label: Signal<&'static str>,
    pub(crate) placeholder: Option<&'static str>,
    /// A web address: typed `url`, with the phone's URL keyboard.
    pub(crate) url: bool,
    pub(crate) get: fn(&T) -> &str,
    pub(crate) set: fn(&mut T, String),
}

impl<T> Clone for RowInput<T> {
    fn clone(&self) -> Self {
        *self
    }
}

// Derived `Copy` would ask `T: Copy`; the fields are copyable whatever the row is.
impl<T> Copy for RowInput<T> {}

/// Departments held, or links: a list of rows of text boxes, each row with a remove button, and
/// a button that adds an empty row.
#[component]
pub(crate) fn RowsField<T: Default + Send + Sync + 'static>(
    editor: Editor,
    label: Signal<&'static str>,
    /// The list's data-testid.
    testid: &'static str,
    /// The start of each row's data-testids, and of the add button's (`<row_testid>-add`).
    row_testid: &'static str,
    rows: fn(&Profile) -> &Vec<T>,
    rows_mut: fn(&mut Profile) -> &mut Vec<T>,
    inputs: [RowInput<T>; 2],
    add_label: Signal<&'static str>,
    field: Field,
) -> impl IntoView {
    let i18n = use_i18n();
    // Rows re-render only when their number changes, so typing never loses focus.
    let count = Memo::new(move |_| editor.read(|p| rows(p).len()).unwrap_or(0));
    let input = move |i: usize, input: RowInput<T>| {
        let RowInput {
            key,
            label,
            placeholder,
            url,
            get,
            set,
        } = input;
        view! {
            <input class="input" type=if url { "url" } else { "text" } inputmode=url.then_some("url")
                data-testid=format!("{row_testid}-{i}-{key}")
                aria-label=move || label.get() placeholder=move || placeholder.unwrap_or_else(|| label.get())
                prop:value=move || editor.read(|p| rows(p).get(i).map(|x| get(x).to_owned())).flatten().unwrap_or_default()
                on:input=move |ev| { let v = event_target_value(&ev); editor.edit(|p| if let Some(x) = rows_mut(p).get_mut(i) { set(x, v) }) } />
        }
    };
    view! {
        <div class="field">
            <span class="field-label">{move || label.get()}</span>
            <ul class="rows" data-testid=testid>
                {move || (0..count.get()).map(|i| view! {
                    <li class="row">
                        {inputs.map(|each| input(i, each))}
                        <button type="button" class="button button-quiet button-small" data-testid=format!("{row_testid}-{i}-remove")
                            on:click=move |_| editor.edit(|p| if i < rows(p).len() { rows_mut(p).remove(i); })>
                            {move || t_string!(i18n, edit.remove)}
                        </button>
                    </li>
                }).collect_view()}
            </ul>
            <button type="button" class="button button-small" data-testid=format!("{row_testid}-add")
                on:click=move |_| editor.edit(|p| rows_mut(p).push(T::default()))>
                "+ "{move || add_label.get()}
            </button>
            <AudienceSelect editor=editor field=field label=label />
        </div>
    }
}
