//! My profile: the editor. Every edit is kept in the draft at once, saved on this device after a
//! short pause as one change, and synced whenever the relay is reachable.

use leptos::ev;
use leptos::prelude::*;
use leptos_router::components::A;
use tsunagu_core::profile::{Interest, Link, Position, Profile, Step};
use tsunagu_core::vocab::Field;

use super::avatar::Avatar;
use super::fields::{AudienceSelect, Editor, RowInput, RowsField, TagField, TextField};
use super::photos::{Fit, keep_picked, picked_file};
use super::text::interest_label;
use super::use_client;
use super::{devices, privacy};
use crate::i18n::*;
use crate::state::{Link as NetLink, SaveState};

#[component]
pub(crate) fn EditProfilePage() -> impl IntoView {
    let i18n = use_i18n();
    let client = use_client();
    let signals = client.signals;
    let editor = Editor::new(client);

    // Profiles from another device (or the first sync) replace the draft unless an edit waits.
    Effect::new(move |_| {
        signals.docs_version.track();
        editor.sync_from_document();
    });
    // Leaving the page or hiding the app must not drop the last 300 ms of typing.
    let hide = window_event_listener(ev::pagehide, move |_| editor.save_now());
    let visibility = window_event_listener_untyped("visibilitychange", move |_| editor.save_now());
    on_cleanup(move || {
        editor.save_now();
        hide.remove();
        visibility.remove();
    });

    let my_doc = move || {
        signals
            .me
            .with(|me| me.as_ref().map(|m| m.profile_doc.to_string()))
            .unwrap_or_default()
    };
    let sign_out = move |_| {
        let unsent = signals.pending.get_untracked() > 0;
        let confirmed = !unsent
            || web_sys::window()
                .and_then(|w| {
                    w.confirm_with_message(t_string!(i18n, nav.sign_out_unsent))
                        .ok()
                })
                .unwrap_or(false);
        if confirmed {
            client.sign_out();
        }
    };

    view! {
        <section class="edit" aria-labelledby="edit-title">
            <div class="edit-head">
                <div>
                    <h1 id="edit-title" class="page-title">{move || t_string!(i18n, edit.title)}</h1>
                    <p class="page-lead">{move || t_string!(i18n, edit.lead)}</p>
                </div>
                <SaveStatus />
            </div>
            {move || {
                if editor.draft.with(Option::is_none) {
                    let text = if signals.link.get() == NetLink::Offline {
                        t_string!(i18n, edit.loading_offline)
                    } else {
                        t_string!(i18n, edit.loading)
                    };
                    return view! { <p class="empty" data-testid="edit-loading">{text}</p> }.into_any();
                }
                view! {
                    <super::welcome::Welcome />
                    <ProfileForm editor=editor />
                }
                .into_any()
            }}
            <super::passkey::Passkeys />
            <super::password::ChangePassword />
            <devices::Devices />
            <privacy::Privacy />
            <div class="edit-footer">
                <A href=move || format!("/people/{}", my_doc()) attr:class="button" attr:data-testid="edit-preview">
                    {move || t_string!(i18n, edit.preview)}
                </A>
                // A plain link: the browser downloads it with the session cookie (the service
                // worker never answers /api/).
                <a class="button button-quiet" href="/api/me/export" download="tsunagu-my-data.json" data-testid="export-data">
                    {move || t_string!(i18n, edit.export)}
                </a>
                <button type="button" class="button button-quiet" data-testid="sign-out" on:click=sign_out>
                    {move || t_string!(i18n, nav.sign_out)}
                </button>
            </div>
        </section>
    }
}

/// "Saving…", "Saved on this device", "Synced", or "Can't save"; `data-state` for the tests.
#[component]
fn SaveStatus() -> impl IntoView {
    let i18n = use_i18n();
    let signals = use_client().signals;
    let state = Memo::new(
        move |_| match (signals.save.get(), signals.pending.get() > 0) {
            (SaveState::Saving, _) => "saving",
            (SaveState::Failed, _) => "failed",
            (SaveState::Saved | SaveState::Idle, true) => "saved",
            (SaveState::Saved | SaveState::Idle, false) => "synced",
        },
    );
    view! {
        <p class="save-status" data-testid="save-state" data-state=move || state.get() role="status" aria-live="polite">
            <span class="save-dot" aria-hidden="true"></span>
            {move || match state.get() {
                "saving" => t_string!(i18n, edit.saving),
                "failed" => t_string!(i18n, edit.save_failed),
                "saved" => t_string!(i18n, edit.saved_local),
                _ => t_string!(i18n, edit.synced),
            }}
            <Show when=move || state.get() == "saved">
                <span class="save-hint">{move || t_string!(i18n, edit.saved_local_hint)}</span>
            </Show>
        </p>
    }
}

/// The years at the company, as HR recorded them: shown, not edited (only admins correct them,
/// and the relay refuses anyone else's change to them).
#[component]
fn HrPeriod(editor: Editor) -> impl IntoView {
    let i18n = use_i18n();
    let period = move || {
        editor.read(|p| {
            let unknown = t_string!(i18n, edit.hr_period_unknown);
            let joined = if p.joined.is_empty() {
                unknown
            } else {
                p.joined.as_str()
            };
            let left = if p.left.is_empty() {
                t_string!(i18n, edit.hr_period_now)
            } else {
                p.left.as_str()
            };
            format!("{joined} – {left}")
        })
    };
    view! {
        <div class="field field-readonly" data-testid="profile-hr-period">
            <span class="field-label">{move || t_string!(i18n, edit.hr_period)}</span>
            <span class="field-value">{period}</span>
            <span class="field-hint">{move || t_string!(i18n, edit.hr_period_hint)}</span>
        </div>
    }
}

/// How much of the profile is filled in and what to add next; until the card has a name and one
/// thing more, that it is not yet in other members' directories.
#[component]
fn Completeness(editor: Editor) -> impl IntoView {
    let i18n = use_i18n();
    let steps = Memo::new(move |_| editor.read(|p| p.steps().to_vec()).unwrap_or_default());
    let ready = Memo::new(move |_| editor.read(Profile::ready_for_directory).unwrap_or(false));
    let done = move || steps.with(|s| s.iter().filter(|(_, done)| *done).count());
    let total = move || steps.with(|s| s.len());
    let next = move || {
        let locale = i18n.get_locale();
        steps.with(|s| {
            s.iter()
                .filter(|(_, done)| !done)
                .take(3)
                .map(|(step, _)| step_label(locale, *step))
                .collect::<Vec<_>>()
                .join(td_string!(locale, edit.list_separator))
        })
    };
    view! {
        <div class="card section completeness" data-testid="profile-completeness"
            data-done=move || done().to_string() data-ready=move || ready.get().to_string()>
            <div class="completeness-head">
                <span class="completeness-title">{move || t_string!(i18n, edit.completeness)}</span>
                <span class="completeness-figure" data-testid="profile-completeness-figure">{move || format!("{} / {}", done(), total())}</span>
            </div>
            <progress class="completeness-meter" max=move || total().to_string() value=move || done().to_string()></progress>
            <Show when=move || !ready.get()>
                <p class="completeness-note" data-testid="profile-not-listed">{move || t_string!(i18n, edit.not_listed_yet)}</p>
            </Show>
            {move || {
                let next = next();
                (!next.is_empty()).then(|| view! {
                    <p class="completeness-next muted">{move || t_string!(i18n, edit.completeness_next)}" "{next}</p>
                })
            }}
        </div>
    }
}

fn step_label(locale: Locale, step: Step) -> &'static str {
    match step {
        Step::Name => td_string!(locale, edit.step_name),
        Step::Now => td_string!(locale, edit.step_now),
        Step::Positions => td_string!(locale, edit.step_positions),
        Step::Location => td_string!(locale, edit.step_location),
        Step::Skills => td_string!(locale, edit.step_skills),
        Step::Bio => td_string!(locale, edit.step_bio),
        Step::Interests => td_string!(locale, edit.step_interests),
    }
}

#[component]
fn ProfileForm(editor: Editor) -> impl IntoView {
    let i18n = use_i18n();
    let l = move |f: fn(Locale) -> &'static str| Signal::derive(move || f(i18n.get_locale()));
    let position_inputs: [RowInput<Position>; 2] = [
        RowInput {
            key: "department",
            label: l(|l| td_string!(l, edit.department)),
            placeholder: None,
            url: false,
            get: |x| x.department.as_str(),
            set: |x, v| x.department = v,
        },
        RowInput {
            key: "role",
            label: l(|l| td_string!(l, edit.role)),
            placeholder: None,
            url: false,
            get: |x| x.role.as_str(),
            set: |x, v| x.role = v,
        },
    ];
    let link_inputs: [RowInput<Link>; 2] = [
        RowInput {
            key: "label",
            label: l(|l| td_string!(l, edit.link_label)),
            placeholder: None,
            url: false,
            get: |x| x.label.as_str(),
            set: |x, v| x.label = v,
        },
        RowInput {
            key: "url",
            label: l(|l| td_string!(l, edit.link_url)),
            placeholder: Some("https://"),
            url: true,
            get: |x| x.url.as_str(),
            set: |x, v| x.url = v,
        },
    ];
    view! {
        <form class="profile-form" on:submit=|ev| ev.prevent_default() data-testid="profile-form">
            <Completeness editor=editor />
            <fieldset class="card section">
                <legend class="section-title">{move || t_string!(i18n, edit.section_basic)}</legend>
                <ProfilePhoto editor=editor />
                <TextField editor=editor testid="profile-name" label=l(|l| td_string!(l, edit.name)) hint=l(|l| td_string!(l, edit.name_hint))
                    autocomplete="name" get=|p| p.name.as_str() set=|p, v| p.name = v />
                <div class="field-grid">
                    <TextField editor=editor testid="profile-reading" label=l(|l| td_string!(l, edit.reading)) hint=l(|l| td_string!(l, edit.reading_hint))
                        lang="ja" get=|p| p.reading.as_str() set=|p, v| p.reading = v />
                    <TextField editor=editor testid="profile-romaji" label=l(|l| td_string!(l, edit.romaji)) hint=l(|l| td_string!(l, edit.romaji_hint))
                        lang="en" get=|p| p.romaji.as_str() set=|p, v| p.romaji = v />
                </div>
            </fieldset>
            <fieldset class="card section">
                <legend class="section-title">{move || t_string!(i18n, edit.section_career)}</legend>
                <HrPeriod editor=editor />
                <RowsField editor=editor label=l(|l| td_string!(l, edit.positions)) testid="profile-positions" row_testid="profile-position"
                    rows=|p| &p.positions rows_mut=|p| &mut p.positions inputs=position_inputs
                    add_label=l(|l| td_string!(l, edit.add_position)) field=Field::Positions />
            </fieldset>
            <fieldset class="card section">
                <legend class="section-title">{move || t_string!(i18n, edit.section_now)}</legend>
                <div class="field-grid">
                    <TextField editor=editor testid="profile-employer" label=l(|l| td_string!(l, edit.employer)) autocomplete="organization"
                        field=Field::Employer get=|p| p.employer.as_str() set=|p, v| p.employer = v />
                    <TextField editor=editor testid="profile-title" label=l(|l| td_string!(l, edit.job_title)) autocomplete="organization-title"
                        field=Field::Title get=|p| p.title.as_str() set=|p, v| p.title = v />
                </div>
                <TextField editor=editor testid="profile-location" label=l(|l| td_string!(l, edit.location))
                    field=Field::Location get=|p| p.location.as_str() set=|p, v| p.location = v />
            </fieldset>
            <fieldset class="card section">
                <legend class="section-title">{move || t_string!(i18n, edit.section_skills)}</legend>
                <TagField editor=editor testid="profile-skills" label=l(|l| td_string!(l, edit.skills))
                    field=Field::Skills get=|p| &p.skills get_mut=|p| &mut p.skills />
                <TagField editor=editor testid="profile-certifications" label=l(|l| td_string!(l, edit.certifications))
                    field=Field::Certifications get=|p| &p.certifications get_mut=|p| &mut p.certifications />
            </fieldset>
            <fieldset class="card section">
                <legend class="section-title">{move || t_string!(i18n, edit.section_about)}</legend>
                <TextField editor=editor testid="profile-bio" multiline=true label=l(|l| td_string!(l, edit.bio)) hint=l(|l| td_string!(l, edit.bio_hint))
                    field=Field::Bio get=|p| p.bio.as_str() set=|p, v| p.bio = v />
                <RowsField editor=editor label=l(|l| td_string!(l, edit.links)) testid="profile-links" row_testid="profile-link"
                    rows=|p| &p.links rows_mut=|p| &mut p.links inputs=link_inputs
                    add_label=l(|l| td_string!(l, edit.add_link)) field=Field::Links />
            </fieldset>
            <fieldset class="card section">
                <legend class="section-title">{move || t_string!(i18n, edit.section_involvement)}</legend>
                <p class="field-label">{move || t_string!(i18n, edit.interests)}</p>
                <div class="chips chips-choice" data-testid="profile-interests">
                    {Interest::ALL.into_iter().map(|interest| {
                        let on = move || editor.read(|p| p.has_interest(interest)).unwrap_or(false);
                        view! {
                            <label class="chip chip-toggle" class:chip-on=on>
                                <input
                                    type="checkbox"
                                    class="visually-hidden"
                                    data-testid=format!("profile-interest-{}", interest.key())
                                    prop:checked=on
                                    on:change=move |ev| {
                                        let checked = event_target_checked(&ev);
                                        editor.edit(|p| {
                                            p.interests.retain(|k| k != interest.key());
                                            if checked {
                                                p.interests.push(interest.key().to_owned());
                                            }
                                        });
                                    }
                                />
                                {move || interest_label(i18n.get_locale(), interest)}
                            </label>
                        }
                    }).collect_view()}
                </div>
                <AudienceSelect editor=editor field=Field::Interests label=l(|l| td_string!(l, edit.interests)) />
            </fieldset>
        </form>
    }
}

/// The profile photo: chosen from the phone (its middle square, shrunk), kept on the device and
/// saved with the profile at once, uploaded when the relay is reachable; or removed.
#[component]
fn ProfilePhoto(editor: Editor) -> impl IntoView {
    let i18n = use_i18n();
    let client = use_client();
    let error = RwSignal::new(None::<&'static str>);
    let doc = client
        .signals
        .me
        .with_untracked(|me| me.as_ref().map(|m| m.profile_doc));
    let photo = Memo::new(move |_| editor.read(|p| p.photo.clone()).unwrap_or_default());
    let pick = move |ev: ev::Event| {
        let Some(file) = picked_file(&ev) else {
            return;
        };
        leptos::task::spawn_local(async move {
            match keep_picked(client, &file, Fit::Avatar).await {
                Ok(picked) => {
                    error.set(None);
                    editor.edit(|p| p.photo = picked.id);
                    editor.save_now();
                }
                Err(_) => error.set(Some(t_string!(i18n, edit.photo_unreadable))),
            }
        });
    };
    let remove = move |_| {
        editor.edit(|p| p.photo.clear());
        editor.save_now();
    };
    view! {
        <div class="profile-photo" data-testid="profile-photo">
            {move || {
                let name = editor.read(|p| p.name.clone()).unwrap_or_default();
                doc.map(|doc| view! { <Avatar doc name photo=photo.get() large=true /> })
            }}
            <div class="profile-photo-actions">
                <span class="field-label">{move || t_string!(i18n, edit.photo)}</span>
                <div class="profile-photo-buttons">
                    <label class="button button-small">
                        {move || if photo.with(String::is_empty) { t_string!(i18n, edit.photo_choose) } else { t_string!(i18n, edit.photo_change) }}
                        <input type="file" accept="image/*" class="visually-hidden" data-testid="profile-photo-input" on:change=pick />
                    </label>
                    <Show when=move || !photo.with(String::is_empty)>
                        <button type="button" class="button button-small button-quiet" data-testid="profile-photo-remove" on:click=remove>
                            {move || t_string!(i18n, edit.photo_remove)}
                        </button>
                    </Show>
                </div>
                <span class="field-hint">{move || t_string!(i18n, edit.photo_hint)}</span>
                {move || error.get().map(|e| view! { <p class="notice notice-error" role="alert">{e}</p> })}
            </div>
        </div>
    }
}
