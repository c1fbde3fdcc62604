//! Making events. Anyone starts one at `/events/new` (`POST /api/events`): an admin's is a draft
//! that opens in the editor, anyone else's is a proposal that admins see. The editor
//! (`/events/<doc>/edit`, admins) writes the event document itself over sync — one change per
//! save, offline too — and moves it from draft to published to cancelled. An online event's join
//! link is not part of the document: the editor sends it to the relay
//! (`PUT /api/events/<doc>/join-url`), which gives it to confirmed attendees only.
//!
//! Times are typed as the event's own wall-clock time (`datetime-local` in its zone: a new event
//! starts in the zone the organisation chose at setup, Tokyo if the relay cannot be asked) and
//! stored as instants.

use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::use_navigate;
use tsunagu_core::api::NewEvent;
use tsunagu_core::event::{DEFAULT_TIME_ZONE, Event, EventStatus};
use tsunagu_core::ids::DocumentId;
use tsunagu_core::vocab::EventAudience;

use super::{is_admin, status_label, use_client, use_event_param};
use crate::calendar::DateTime;
use crate::error::AppError;
use crate::i18n::*;
use crate::state::Link;
use crate::ui::form_input::FormInput;
use crate::ui::icons;
use crate::ui::text::safe_url;
use crate::ui::time;

/// What is wrong with the form; each is shown translated beside the save button.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Problem {
    TitleMissing,
    ZoneUnknown,
    StartInvalid,
    EndInvalid,
    EndBeforeStart,
    DeadlineInvalid,
    CapacityInvalid,
    MapUrlInvalid,
}

fn problem_text(locale: Locale, problem: Problem) -> &'static str {
    match problem {
        Problem::TitleMissing => td_string!(locale, edit_event.error_title),
        Problem::ZoneUnknown => td_string!(locale, edit_event.error_zone),
        Problem::StartInvalid => td_string!(locale, edit_event.error_start),
        Problem::EndInvalid => td_string!(locale, edit_event.error_end),
        Problem::EndBeforeStart => td_string!(locale, edit_event.error_end_before_start),
        Problem::DeadlineInvalid => td_string!(locale, edit_event.error_deadline),
        Problem::CapacityInvalid => td_string!(locale, edit_event.error_capacity),
        Problem::MapUrlInvalid => td_string!(locale, edit_event.error_map_url),
    }
}

/// The form as typed: inputs hold text until saved.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(super) struct Form {
    title: String,
    description: String,
    zone: String,
    starts: String,
    ends: String,
    deadline: String,
    capacity: String,
    venue_name: String,
    venue_address: String,
    map_url: String,
    online: bool,
    audience: String,
    pub(super) invited: Vec<String>,
    pub(super) hosts: Vec<String>,
    pub(super) staff: Vec<String>,
}

fn input_time(unix: i64, zone: &str) -> String {
    if unix <= 0 {
        return String::new();
    }
    time::wall_in(zone, unix)
        .map(DateTime::input_value)
        .unwrap_or_default()
}

impl Form {
    fn of(event: &Event) -> Self {
        let zone = if event.time_zone.is_empty() {
            DEFAULT_TIME_ZONE.to_owned()
        } else {
            event.time_zone.clone()
        };
        Self {
            title: event.title.clone(),
            description: event.description.clone(),
            starts: input_time(event.starts_at, &zone),
            ends: input_time(event.ends_at, &zone),
            deadline: input_time(event.deadline, &zone),
            capacity: if event.capacity == 0 {
                String::new()
            } else {
                event.capacity.to_string()
            },
            venue_name: event.venue.name.clone(),
            venue_address: event.venue.address.clone(),
            map_url: event.venue.map_url.clone(),
            online: event.online,
            audience: event.audience().key().to_owned(),
            invited: event.invited.clone(),
            hosts: event.hosts.clone(),
            staff: event.staff.clone(),
            zone,
        }
    }

    fn zone(&self) -> Result<String, Problem> {
        let zone = self.zone.trim();
        let zone = if zone.is_empty() {
            DEFAULT_TIME_ZONE
        } else {
            zone
        };
        if time::is_zone(zone) {
            Ok(zone.to_owned())
        } else {
            Err(Problem::ZoneUnknown)
        }
    }

    fn instant(value: &str, zone: &str, problem: Problem) -> Result<i64, Problem> {
        DateTime::parse_input(value)
            .and_then(|wall| time::to_unix(wall, zone))
            .ok_or(problem)
    }

    /// Title, description and times, as the relay takes them for a new event.
    fn basics(&self) -> Result<(String, i64, i64), Problem> {
        if self.title.trim().is_empty() {
            return Err(Problem::TitleMissing);
        }
        let zone = self.zone()?;
        let starts = Self::instant(&self.starts, &zone, Problem::StartInvalid)?;
        let ends = if self.ends.trim().is_empty() {
            starts + 2 * 3600
        } else {
            Self::instant(&self.ends, &zone, Problem::EndInvalid)?
        };
        if ends < starts {
            return Err(Problem::EndBeforeStart);
        }
        Ok((zone, starts, ends))
    }

    /// `event` with this form's values; its status and anything the form does not show stay.
    fn apply(&self, event: &Event) -> Result<Event, Problem> {
        let (zone, starts, ends) = self.basics()?;
        let deadline = if self.deadline.trim().is_empty() {
            0
        } else {
            Self::instant(&self.deadline, &zone, Problem::DeadlineInvalid)?
        };
        let capacity = match self.capacity.trim() {
            "" => 0,
            n => n.parse::<u32>().map_err(|_| Problem::CapacityInvalid)?,
        };
        let map_url = self.map_url.trim();
        if !map_url.is_empty() && safe_url(map_url).is_none() {
            return Err(Problem::MapUrlInvalid);
        }
        let mut out = event.clone();
        out.title = self.title.trim().to_owned();
        out.description = self.description.clone();
        out.time_zone = zone;
        out.starts_at = starts;
        out.ends_at = ends;
        out.deadline = deadline;
        out.capacity = capacity;
        out.venue.name = self.venue_name.trim().to_owned();
        out.venue.address = self.venue_address.trim().to_owned();
        out.venue.map_url = map_url.to_owned();
        out.online = self.online;
        out.audience = EventAudience::from_key(&self.audience).key().to_owned();
        out.invited = self.invited.clone();
        out.hosts = self.hosts.clone();
        out.staff = self.staff.clone();
        Ok(out)
    }
}

// ---- new event / proposal -----------------------------------------------------------------

#[component]
pub(crate) fn NewEventPage() -> impl IntoView {
    let i18n = use_i18n();
    let client = use_client();
    let signals = client.signals;
    let admin = move || signals.me.with(|me| is_admin(me.as_ref()));
    let form = RwSignal::new(Form {
        zone: DEFAULT_TIME_ZONE.to_owned(),
        ..Form::default()
    });
    // A new event is held in the organisation's zone, once the relay says which (offline,
    // Tokyo); a zone already changed in the form stays.
    let network = LocalResource::new(crate::api::network);
    Effect::new(move |_| {
        if let Some(Ok(info)) = network.get()
            && info.time_zone != DEFAULT_TIME_ZONE
            && time::is_zone(&info.time_zone)
        {
            form.update(|f| {
                if f.zone == DEFAULT_TIME_ZONE {
                    f.zone = info.time_zone;
                }
            });
        }
    });
    let problem = RwSignal::new(None::<Problem>);
    let error = RwSignal::new(None::<AppError>);
    let busy = RwSignal::new(false);
    let proposed = RwSignal::new(false);
    let navigate = use_navigate();
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        error.set(None);
        let (zone, starts, ends) = match form.with_untracked(Form::basics) {
            Ok(b) => b,
            Err(p) => {
                problem.set(Some(p));
                return;
            }
        };
        problem.set(None);
        let new = form.with_untracked(|f| NewEvent {
            title: f.title.trim().to_owned(),
            description: f.description.clone(),
            starts_at: starts,
            ends_at: ends,
            time_zone: zone,
        });
        busy.set(true);
        let navigate = navigate.clone();
        leptos::task::spawn_local(async move {
            match client.create_event(new).await {
                Ok(created) if admin() => navigate(
                    &format!("/events/{}/edit", created.event),
                    Default::default(),
                ),
                Ok(_) => proposed.set(true),
                Err(e) => error.set(Some(e)),
            }
            busy.set(false);
        });
    };
    view! {
        <section class="event-editor" data-testid="new-event-page">
            <A href="/events" attr:class="back-link"><icons::Back /><span>{move || t_string!(i18n, event.back)}</span></A>
            <h1 class="page-title">{move || if admin() { t_string!(i18n, edit_event.new_title) } else { t_string!(i18n, edit_event.propose_title) }}</h1>
            <p class="page-lead">{move || if admin() { t_string!(i18n, edit_event.new_lead) } else { t_string!(i18n, edit_event.propose_lead) }}</p>
            <Show when=move || !proposed.get() fallback=move || view! {
                <div class="empty" role="status" data-testid="proposal-sent">
                    <p><strong>{t_string!(i18n, edit_event.proposal_sent)}</strong></p>
                    <p>{t_string!(i18n, edit_event.proposal_sent_text)}</p>
                    <p class="join-alt"><A href="/events">{t_string!(i18n, event.back)}</A></p>
                </div>
            }>
                <form class="card section" on:submit=submit.clone() data-testid="new-event-form" novalidate>
                    <TitleAndTimes form=form />
                    <Show when=move || signals.link.get() == Link::Offline>
                        <p class="note">{move || t_string!(i18n, edit_event.needs_connection)}</p>
                    </Show>
                    {move || problem.get().map(|p| view! { <p class="form-error" role="alert" data-testid="event-form-problem">{problem_text(i18n.get_locale(), p)}</p> })}
                    {move || error.get().map(|e| view! { <p class="form-error" role="alert" data-testid="event-form-error">{crate::ui::error_text(i18n.get_locale(), &e)}</p> })}
                    <button type="submit" class="button button-primary" data-testid="new-event-submit" disabled=move || busy.get()>
                        {move || if admin() { t_string!(i18n, edit_event.create) } else { t_string!(i18n, edit_event.send_proposal) }}
                    </button>
                </form>
            </Show>
        </section>
    }
}

/// The fields a new event starts with: title, description, zone, start and end.
#[component]
fn TitleAndTimes(form: RwSignal<Form>) -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <FormInput form=form label=Signal::derive(move || t_string!(i18n, edit_event.title_label)) testid="event-title-input"
            get=|f| f.title.as_str() set=|f, v| f.title = v />
        <div class="field">
            <label class="field-label" for="event-description">{move || t_string!(i18n, edit_event.description)}</label>
            <textarea class="input textarea" id="event-description" data-testid="event-description-input" rows="6"
                prop:value=move || form.with(|f| f.description.clone())
                on:input=move |ev| form.update(|f| f.description = event_target_value(&ev))></textarea>
            <p class="field-hint">{move || t_string!(i18n, edit_event.description_hint)}</p>
        </div>
        <div class="field">
            <label class="field-label" for="event-zone">{move || t_string!(i18n, edit_event.zone)}</label>
            <super::ZonePicker value=Signal::derive(move || form.with(|f| f.zone.clone()))
                on_pick=Callback::new(move |zone| form.update(|f| f.zone = zone))
                id="event-zone" testid="event-zone-input" />
            <p class="field-hint">{move || t_string!(i18n, edit_event.zone_hint)}</p>
        </div>
        <div class="field-grid">
            <FormInput form=form label=Signal::derive(move || t_string!(i18n, edit_event.starts)) testid="event-starts-input"
                get=|f| f.starts.as_str() set=|f, v| f.starts = v kind="datetime-local" />
            <FormInput form=form label=Signal::derive(move || t_string!(i18n, edit_event.ends)) testid="event-ends-input"
                get=|f| f.ends.as_str() set=|f, v| f.ends = v kind="datetime-local" />
        </div>
    }
}

// ---- the editor ---------------------------------------------------------------------------

#[component]
pub(crate) fn EditEventPage() -> impl IntoView {
    let i18n = use_i18n();
    let signals = use_client().signals;
    let doc = use_event_param();
    let admin = move || signals.me.with(|me| is_admin(me.as_ref()));
    view! {
        <section class="event-editor" data-testid="edit-event-page">
            {move || match (admin(), doc.get()) {
                (false, _) => view! {
                    <div class="empty" role="alert" data-testid="edit-event-forbidden">
                        <p><strong>{t_string!(i18n, admin.forbidden_title)}</strong></p>
                        <p>{t_string!(i18n, edit_event.forbidden)}</p>
                    </div>
                }.into_any(),
                (true, None) => view! { <p class="empty">{t_string!(i18n, event.not_found)}</p> }.into_any(),
                (true, Some(doc)) => view! { <Editor doc=doc /> }.into_any(),
            }}
        </section>
    }
}

#[component]
fn Editor(doc: DocumentId) -> impl IntoView {
    let i18n = use_i18n();
    let client = use_client();
    let signals = client.signals;
    let stored = Memo::new(move |_| {
        signals.events.with(|events| {
            events
                .iter()
                .find(|e| e.doc == doc)
                .map(|e| e.event.clone())
        })
    });
    let form = RwSignal::new(Form::default());
    // The document has arrived and the form shows it.
    let ready = RwSignal::new(false);
    // What the form was loaded from, to tell an edit here from a change arriving by sync: a
    // change from elsewhere replaces the form only while nothing was typed.
    let loaded = StoredValue::new(Form::default());
    Effect::new(move |_| {
        let Some(event) = stored.get() else {
            return;
        };
        let fresh = Form::of(&event);
        let untouched = !ready.get_untracked() || form.with_untracked(|f| *f == loaded.get_value());
        if untouched {
            loaded.set_value(fresh.clone());
            form.set(fresh);
            ready.set(true);
        }
    });
    let problem = RwSignal::new(None::<Problem>);
    let error = RwSignal::new(None::<AppError>);
    let saved = RwSignal::new(false);
    let published = RwSignal::new(false);
    // Saves the form, with `status` if given: one change to the event document. Whether it
    // was saved.
    let save = move |status: Option<EventStatus>| -> bool {
        error.set(None);
        saved.set(false);
        published.set(false);
        let Some(current) = stored.get_untracked() else {
            return false;
        };
        let mut event = match form.with_untracked(|f| f.apply(&current)) {
            Ok(e) => e,
            Err(p) => {
                problem.set(Some(p));
                return false;
            }
        };
        problem.set(None);
        if let Some(status) = status {
            event.status = status.key().to_owned();
        }
        match client.save_event(doc, &event) {
            Ok(()) => {
                let fresh = Form::of(&event);
                loaded.set_value(fresh.clone());
                form.set(fresh);
                saved.set(true);
                true
            }
            Err(e) => {
                error.set(Some(e));
                false
            }
        }
    };
    let status = move || stored.with(|e| e.as_ref().map(Event::status));
    let cancel = move |_| {
        if crate::ui::confirm(t_string!(i18n, edit_event.cancel_confirm)) {
            save(Some(EventStatus::Cancelled));
        }
    };
    // Publishing shows the event to everyone it is for at once: asked first, then the page
    // they will see is one tap away.
    let publish = move |_| {
        if crate::ui::confirm(t_string!(i18n, edit_event.publish_confirm))
            && save(Some(EventStatus::Published))
        {
            published.set(true);
        }
    };
    view! {
        <A href=format!("/events/{doc}") attr:class="back-link" attr:data-testid="editor-back"><icons::Back /><span>{move || t_string!(i18n, edit_event.back_to_event)}</span></A>
        <div class="edit-head">
            <h1 class="page-title">{move || t_string!(i18n, edit_event.edit_title)}</h1>
            {move || status().map(|s| view! {
                <span class=format!("status status-event-{}", s.key()) data-testid="editor-status" data-status=s.key()>{move || status_label(i18n.get_locale(), s)}</span>
            })}
        </div>
        {move || {
            if !ready.get() {
                let text = if signals.link.get() == Link::Offline { t_string!(i18n, event.loading_offline) } else { t_string!(i18n, event.loading) };
                return view! { <p class="empty" data-testid="editor-loading">{text}</p> }.into_any();
            }
            view! {
                <form class="event-form" data-testid="event-form" novalidate on:submit=move |ev: leptos::ev::SubmitEvent| { ev.prevent_default(); save(None); }>
                    <section class="card section">
                        <TitleAndTimes form=form />
                        <FormInput form=form label=Signal::derive(move || t_string!(i18n, edit_event.deadline)) testid="event-deadline-input"
                            get=|f| f.deadline.as_str() set=|f, v| f.deadline = v kind="datetime-local"
                            hint=Signal::derive(move || t_string!(i18n, edit_event.deadline_hint)) />
                        <FormInput form=form label=Signal::derive(move || t_string!(i18n, edit_event.capacity)) testid="event-capacity-input"
                            get=|f| f.capacity.as_str() set=|f, v| f.capacity = v kind="number"
                            hint=Signal::derive(move || t_string!(i18n, edit_event.capacity_hint)) />
                    </section>
                    <section class="card section">
                        <h2 class="section-title">{move || t_string!(i18n, edit_event.place)}</h2>
                        <label class="switch-row event-online">
                            <input type="checkbox" class="switch" data-testid="event-online-input"
                                prop:checked=move || form.with(|f| f.online)
                                on:change=move |ev| form.update(|f| f.online = event_target_checked(&ev)) />
                            <span class="field-label">{move || t_string!(i18n, edit_event.online)}</span>
                        </label>
                        <FormInput form=form label=Signal::derive(move || t_string!(i18n, edit_event.venue_name)) testid="event-venue-name-input"
                            get=|f| f.venue_name.as_str() set=|f, v| f.venue_name = v />
                        <FormInput form=form label=Signal::derive(move || t_string!(i18n, edit_event.venue_address)) testid="event-venue-address-input"
                            get=|f| f.venue_address.as_str() set=|f, v| f.venue_address = v />
                        <FormInput form=form label=Signal::derive(move || t_string!(i18n, edit_event.map_url)) testid="event-map-url-input"
                            get=|f| f.map_url.as_str() set=|f, v| f.map_url = v kind="url" />
                        <Show when=move || form.with(|f| f.online)>
                            <JoinLink doc=doc />
                        </Show>
                    </section>
                    <section class="card section">
                        <h2 class="section-title">{move || t_string!(i18n, edit_event.people)}</h2>
                        <div class="field">
                            <label class="field-label" for="event-audience">{move || t_string!(i18n, edit_event.audience)}</label>
                            <select class="select" id="event-audience" data-testid="event-audience-input"
                                on:change=move |ev| form.update(|f| f.audience = event_target_value(&ev))>
                                {EventAudience::ALL.into_iter().map(|a| view! {
                                    <option value=a.key() selected=move || form.with(|f| f.audience == a.key())>{move || audience_label(i18n.get_locale(), a)}</option>
                                }).collect_view()}
                            </select>
                        </div>
                        <Show when=move || form.with(|f| f.audience == EventAudience::List.key())>
                            <super::people::PeoplePicker form=form which=super::people::Which::Invited />
                        </Show>
                        <super::people::HostsField form=form />
                        <super::people::PeoplePicker form=form which=super::people::Which::Staff />
                    </section>
                    {move || problem.get().map(|p| view! { <p class="form-error" role="alert" data-testid="event-form-problem">{problem_text(i18n.get_locale(), p)}</p> })}
                    {move || error.get().map(|e| view! { <p class="form-error" role="alert" data-testid="event-form-error">{crate::ui::error_text(i18n.get_locale(), &e)}</p> })}
                    <Show when=move || saved.get() && !published.get()>
                        <p class="field-hint" role="status" data-testid="event-saved">{move || if signals.pending.get() > 0 { t_string!(i18n, edit_event.saved_local) } else { t_string!(i18n, edit_event.saved) }}</p>
                    </Show>
                    <Show when=move || published.get()>
                        <div class="banner banner-success" role="status" data-testid="event-published">
                            <span>
                                <strong>{move || t_string!(i18n, edit_event.published)}</strong>" "
                                {move || if signals.pending.get() > 0 { t_string!(i18n, edit_event.saved_local) } else { "" }}
                            </span>
                            <A href=format!("/events/{doc}") attr:class="button button-small button-primary" attr:data-testid="event-published-open">
                                {move || t_string!(i18n, edit_event.open_public)}
                            </A>
                        </div>
                    </Show>
                    <div class="edit-footer">
                        <button type="submit" class="button button-primary" data-testid="event-save">{move || t_string!(i18n, edit_event.save)}</button>
                        <Show when=move || matches!(status(), Some(EventStatus::Draft | EventStatus::Proposed))>
                            <button type="button" class="button" data-testid="event-publish" on:click=publish>
                                {move || t_string!(i18n, edit_event.publish)}
                            </button>
                        </Show>
                        <Show when=move || status() == Some(EventStatus::Published)>
                            <button type="button" class="button button-quiet" data-testid="event-unpublish" on:click=move |_| { save(Some(EventStatus::Draft)); }>
                                {move || t_string!(i18n, edit_event.unpublish)}
                            </button>
                            <button type="button" class="button button-danger" data-testid="event-cancel" on:click=cancel>
                                {move || t_string!(i18n, edit_event.cancel_event)}
                            </button>
                        </Show>
                    </div>
                </form>
            }.into_any()
        }}
    }
}

/// The link to join an online event, saved straight to the relay (it needs a connection) and
/// never into the event document, which every invitee reads.
#[component]
fn JoinLink(doc: DocumentId) -> impl IntoView {
    let i18n = use_i18n();
    let url = RwSignal::new(String::new());
    let busy = RwSignal::new(false);
    // `Ok(true)`: saved; `Ok(false)`: removed.
    let outcome = RwSignal::new(None::<Result<bool, JoinLinkError>>);
    let save = move |_| {
        let typed = url.get_untracked().trim().to_owned();
        if !typed.is_empty() && safe_url(&typed).is_none() {
            outcome.set(Some(Err(JoinLinkError::Invalid)));
            return;
        }
        busy.set(true);
        outcome.set(None);
        leptos::task::spawn_local(async move {
            let result = crate::api::set_join_url(&doc, &typed).await;
            outcome.set(Some(match result {
                Ok(()) => Ok(!typed.is_empty()),
                Err(AppError::Api(tsunagu_core::api::ErrorCode::BadRequest)) => {
                    Err(JoinLinkError::Invalid)
                }
                Err(e) => Err(JoinLinkError::Relay(e)),
            }));
            busy.set(false);
        });
    };
    view! {
        <div class="field join-link" data-testid="join-link">
            <label class="field-label" for="event-join-url">{move || t_string!(i18n, edit_event.join_url)}</label>
            <div class="inline-form">
                <input class="input" id="event-join-url" type="url" inputmode="url" autocomplete="off" data-testid="join-url-input"
                    placeholder="https://"
                    prop:value=move || url.get() on:input=move |ev| url.set(event_target_value(&ev)) />
                <button type="button" class="button" data-testid="join-url-save" disabled=move || busy.get() on:click=save>
                    {move || t_string!(i18n, edit_event.join_url_save)}
                </button>
            </div>
            <p class="field-hint">{move || t_string!(i18n, edit_event.join_url_hint)}</p>
            {move || outcome.get().map(|o| match o {
                Ok(saved) => view! {
                    <p class="field-hint" role="status" data-testid="join-url-saved">
                        {if saved { t_string!(i18n, edit_event.join_url_saved) } else { t_string!(i18n, edit_event.join_url_cleared) }}
                    </p>
                }.into_any(),
                Err(e) => {
                    let text = match &e {
                        JoinLinkError::Invalid => t_string!(i18n, edit_event.join_url_invalid),
                        JoinLinkError::Relay(AppError::Offline) => t_string!(i18n, edit_event.join_url_offline),
                        JoinLinkError::Relay(e) => crate::ui::error_text(i18n.get_locale(), e),
                    };
                    view! { <p class="form-error" role="alert" data-testid="join-url-error">{text}</p> }.into_any()
                }
            })}
        </div>
    }
}

/// Why a join link was not saved.
#[derive(Debug, Clone, PartialEq)]
enum JoinLinkError {
    /// Not a web address (said here, or by the relay).
    Invalid,
    Relay(AppError),
}

pub(super) fn audience_label(locale: Locale, audience: EventAudience) -> &'static str {
    match audience {
        EventAudience::Everyone => td_string!(locale, edit_event.audience_everyone),
        EventAudience::Alumni => td_string!(locale, edit_event.audience_alumni),
        EventAudience::Employees => td_string!(locale, edit_event.audience_employees),
        EventAudience::List => td_string!(locale, edit_event.audience_list),
    }
}
