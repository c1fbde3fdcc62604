//! The check-in mode for an event's staff, `/events/<doc>/check-in`: scan tickets with the
//! camera or find people by name, with a verdict at once and no network (docs/design.md §5).
//!
//! Everything it judges with is on the phone: the organisation's keys and revoked ID cards
//! (from its document, [`super::pass_trust`]), the roster with its revoked tickets, and the
//! check-in log, which every staff phone appends to and
//! which merges when phones sync. A ticket admitted at two gates while both were offline is shown
//! as admitted twice on every phone once they have synced, never merged away.

use std::collections::HashSet;

use leptos::html;
use leptos::prelude::*;
use leptos_router::components::A;
use tsunagu_core::checkin::{Admission, CheckinLog, Duplicate, Method, Scan};
use tsunagu_core::event::{Roster, SeatStatus};
use tsunagu_core::ids::DocumentId;
use tsunagu_core::pass::{Card, CardVerdict, Gate, Verdict, judge_card};
use tsunagu_core::search::fold;

use super::typed_code::TypedCode;
use super::{event_entry, pass_trust, use_client, use_event_param};
use crate::i18n::*;
use crate::runtime::now;
use crate::scanner::{Scanner, performance_now};
use crate::ui::icons;
use crate::ui::time::{self, Style};

/// What the last scan or search came to, as staff see it.
#[derive(Debug, Clone, PartialEq)]
struct Shown {
    /// `admitted`, `already-here`, `already-elsewhere`, `revoked`, `wrong-event`, `not-yet`,
    /// `expired`, `forged`, `unreadable` or `not-synced` for a ticket; `card-valid`,
    /// `card-revoked`, `card-expired` or `card-not-yet` for an alumni ID card: the verdict's
    /// name in the page.
    verdict: &'static str,
    name: String,
    description: String,
    /// When it was admitted before, for "already checked in".
    before: Option<i64>,
    /// When a pass that is not valid yet becomes valid, for "not valid yet".
    valid_from: Option<i64>,
}

impl Shown {
    fn good(&self) -> bool {
        matches!(self.verdict, "admitted" | "card-valid")
    }
}

#[component]
pub(crate) fn CheckInPage() -> impl IntoView {
    let doc = use_event_param();
    move || doc.get().map(|doc| view! { <CheckIn doc=doc /> })
}

#[component]
fn CheckIn(doc: DocumentId) -> impl IntoView {
    let i18n = use_i18n();
    let client = use_client();
    let signals = client.signals;
    let entry = event_entry(signals, doc);
    let roster = Memo::new(move |_| signals.rosters.with(|r| r.get(&doc).cloned()));
    let log = Memo::new(move |_| signals.checkins.with(|c| c.get(&doc).cloned()));
    let trust = Memo::new(move |_| pass_trust(signals));
    let shown: RwSignal<Option<Shown>> = RwSignal::new(None);
    let by_name = RwSignal::new(false);
    let device = client.device_name();
    let me_id = signals
        .me
        .with_untracked(|me| me.as_ref().map(|m| m.user_id.clone()).unwrap_or_default());

    // Judges a scanned text and, when valid, records the admission.
    let judge = {
        let (device, me_id) = (device.clone(), me_id.clone());
        move |text: String, taken: f64| {
            let trust = trust.get_untracked();
            let verdict = match (
                roster.get_untracked(),
                log.get_untracked(),
                entry.get_untracked(),
            ) {
                (Some(roster), Some(log), Some(entry)) if !trust.keys.is_empty() => {
                    let revoked: HashSet<String> = roster.revoked.keys().cloned().collect();
                    let event = doc.to_string();
                    let gate = Gate {
                        event: &event,
                        now: now(),
                        revoked: &revoked,
                    };
                    let admission = log.judge(&text, &trust.keys, &gate, &device);
                    if let Admission::Admit(ticket) = &admission {
                        let scan = Scan {
                            ticket: ticket.id.clone(),
                            attendee: ticket.attendee.clone(),
                            device: device.clone(),
                            by: me_id.clone(),
                            at: now(),
                            method: Method::Qr.key().into(),
                        };
                        if let Some(checkins) = entry.checkins
                            && client.record_admission(checkins, &scan).is_err()
                        {
                            shown.set(Some(not_synced()));
                            return;
                        }
                    }
                    match admission {
                        // Not a ticket: it may be a member's ID card, which staff also check.
                        Admission::Refused(Verdict::Unreadable) => {
                            card(judge_card(&text, &trust.keys, now(), &trust.revoked_cards))
                                .unwrap_or_else(|| describe(&admission, &roster))
                        }
                        _ => describe(&admission, &roster),
                    }
                }
                _ => not_synced(),
            };
            shown.set(Some(verdict));
            measure_scan_to_verdict(taken);
        }
    };

    let admit_by_name = {
        let (device, me_id) = (device.clone(), me_id.clone());
        move |user: String| {
            let (Some(roster), Some(log), Some(entry)) = (
                roster.get_untracked(),
                log.get_untracked(),
                entry.get_untracked(),
            ) else {
                shown.set(Some(not_synced()));
                return;
            };
            let Some(attendee) = roster.attendees.get(&user) else {
                return;
            };
            let mut result = Shown {
                verdict: "admitted",
                name: attendee.name.clone(),
                description: attendee.description.clone(),
                before: None,
                valid_from: None,
            };
            if let Some(first) = log
                .scans
                .values()
                .filter(|s| s.attendee == user)
                .min_by_key(|s| s.at)
            {
                result.verdict = if first.device == device {
                    "already-here"
                } else {
                    "already-elsewhere"
                };
                result.before = Some(first.at);
            } else {
                let scan = Scan {
                    ticket: attendee.ticket.clone(),
                    attendee: user.clone(),
                    device: device.clone(),
                    by: me_id.clone(),
                    at: now(),
                    method: Method::Name.key().into(),
                };
                if entry
                    .checkins
                    .is_none_or(|c| client.record_admission(c, &scan).is_err())
                {
                    result = not_synced();
                }
            }
            shown.set(Some(result));
        }
    };

    let title = move || {
        entry.with(|e| {
            e.as_ref()
                .map(|e| e.event.title.clone())
                .unwrap_or_default()
        })
    };
    let csv = move || super::attendees_csv(&doc, i18n.get_locale());

    view! {
        <article class="checkin-page" data-testid="checkin-page">
            <A href=format!("/events/{doc}") attr:class="back-link">
                <icons::Back />
                <span>{move || t_string!(i18n, checkin.back)}</span>
            </A>
            <header class="card section">
                <p class="eyebrow">{move || t_string!(i18n, checkin.title)}</p>
                <h1 class="event-name">{title}</h1>
                <Counts roster=roster log=log />
                <A href=format!("/events/{doc}/venue-code") attr:class="button button-small checkin-venue-code" attr:data-testid="checkin-venue-code">
                    {move || t_string!(i18n, venue_code.open)}
                </A>
            </header>
            <Duplicates roster=roster log=log />
            <div class="segmented checkin-modes" role="group">
                <button type="button" class="segment" aria-pressed=move || (!by_name.get()).to_string()
                    data-testid="checkin-tab-scan" on:click=move |_| by_name.set(false)>{move || t_string!(i18n, checkin.scan)}</button>
                <button type="button" class="segment" aria-pressed=move || by_name.get().to_string()
                    data-testid="checkin-tab-name" on:click=move |_| by_name.set(true)>{move || t_string!(i18n, checkin.by_name)}</button>
            </div>
            {move || shown.get().map(|s| view! { <VerdictCard shown=s /> })}
            <Show when=move || !by_name.get() fallback=move || view! { <NameSearch roster=roster log=log admit=admit_by_name.clone() /> }>
                <Camera judge=judge.clone() />
                <TypedCode judge=judge.clone() class="card section typed-code" id="ticket-code" testid="ticket-code" clear=true
                    label=Signal::derive(move || t_string!(i18n, checkin.typed))
                    check_label=Signal::derive(move || t_string!(i18n, checkin.check)) />
            </Show>
            <p class="muted checkin-footer">
                <a href=csv download="" data-testid="checkin-csv">{move || t_string!(i18n, checkin.csv)}</a>
                " · " {move || t_string!(i18n, checkin.offline_note)}
            </p>
        </article>
    }
}

/// Confirmed, waiting, checked in and not (yet) arrived, from the documents on the phone.
#[component]
fn Counts(roster: Memo<Option<Roster>>, log: Memo<Option<CheckinLog>>) -> impl IntoView {
    let i18n = use_i18n();
    let count = move |status: SeatStatus| {
        roster.with(|r| {
            r.as_ref().map_or(0, |r| {
                r.attendees
                    .values()
                    .filter(|a| a.status == status.key())
                    .count()
            })
        })
    };
    let admitted = move || log.with(|l| l.as_ref().map_or(0, CheckinLog::admitted));
    let missing = move || {
        roster.with(|r| {
            log.with(|l| match (r, l) {
                (Some(r), Some(l)) => r
                    .attendees
                    .iter()
                    .filter(|(user, a)| {
                        a.status == SeatStatus::Confirmed.key() && !l.attended(user)
                    })
                    .count(),
                _ => 0,
            })
        })
    };
    view! {
        <dl class="checkin-counts" data-testid="checkin-counts">
            <div><dt>{move || t_string!(i18n, checkin.confirmed)}</dt><dd data-testid="count-confirmed">{move || count(SeatStatus::Confirmed)}</dd></div>
            <div><dt>{move || t_string!(i18n, checkin.checked_in)}</dt><dd data-testid="count-checked-in">{admitted}</dd></div>
            <div><dt>{move || t_string!(i18n, checkin.not_arrived)}</dt><dd data-testid="count-not-arrived">{missing}</dd></div>
            <div><dt>{move || t_string!(i18n, checkin.waiting)}</dt><dd data-testid="count-waiting">{move || count(SeatStatus::Waiting)}</dd></div>
        </dl>
    }
}

/// Tickets admitted more than once, once the phones that admitted them have synced.
#[component]
fn Duplicates(roster: Memo<Option<Roster>>, log: Memo<Option<CheckinLog>>) -> impl IntoView {
    let i18n = use_i18n();
    let duplicates = Memo::new(move |_| {
        log.with(|l| l.as_ref().map(CheckinLog::duplicates).unwrap_or_default())
    });
    let name_of = move |d: &Duplicate| {
        roster.with(|r| {
            r.as_ref()
                .and_then(|r| r.attendees.get(&d.attendee))
                .map_or_else(|| d.attendee.clone(), |a| a.name.clone())
        })
    };
    move || {
        let list = duplicates.get();
        (!list.is_empty()).then(|| view! {
            <section class="card section duplicates" role="alert" data-testid="duplicates">
                <h2 class="section-title">{move || t_string!(i18n, checkin.duplicates)}</h2>
                <p class="muted">{move || t_string!(i18n, checkin.duplicates_note)}</p>
                <ul>
                    {list.into_iter().map(|d| {
                        let name = name_of(&d);
                        let scans = d.scans.iter().map(|s| {
                            let at = s.at;
                            let device = short_device(&s.device);
                            view! { <li>{move || time::format(at, None, i18n.get_locale(), Style::DayAndTime)}" · "{device}</li> }
                        }).collect::<Vec<_>>();
                        view! {
                            <li class="duplicate" data-testid="duplicate" data-ticket=d.ticket.clone()>
                                <strong>{name}</strong>
                                <ul class="duplicate-scans">{scans}</ul>
                            </li>
                        }
                    }).collect::<Vec<_>>()}
                </ul>
            </section>
        })
    }
}

#[component]
fn VerdictCard(shown: Shown) -> impl IntoView {
    let i18n = use_i18n();
    let verdict = shown.verdict;
    let good = shown.good();
    let before = shown.before;
    let valid_from = shown.valid_from;
    view! {
        <section class="card verdict" class:verdict-good=good class:verdict-bad=!good
            role="status" aria-live="assertive" data-testid="verdict" data-verdict=verdict>
            <p class="verdict-title">{move || verdict_text(i18n.get_locale(), verdict)}</p>
            {valid_from.map(|at| view! {
                <p class="verdict-from" data-testid="verdict-valid-from">
                    {move || t_string!(i18n, checkin.valid_from).replace("%s", &time::format(at, None, i18n.get_locale(), Style::DayAndTime))}
                </p>
            })}
            {(!shown.name.is_empty()).then(|| view! { <p class="verdict-name" data-testid="verdict-name">{shown.name.clone()}</p> })}
            {(!shown.description.is_empty()).then(|| view! { <p class="muted">{shown.description.clone()}</p> })}
            {before.map(|at| view! {
                <p class="verdict-before">{move || time::format(at, None, i18n.get_locale(), Style::DayAndTime)}</p>
            })}
        </section>
    }
}

/// The camera, started by a tap (browsers ask for permission then). Self check-in on the event
/// page uses it too.
#[component]
pub(super) fn Camera(judge: impl Fn(String, f64) + Clone + Send + Sync + 'static) -> impl IntoView {
    let i18n = use_i18n();
    let video = NodeRef::<html::Video>::new();
    let scanner: StoredValue<Option<Scanner>, LocalStorage> = StoredValue::new_local(None);
    let running = RwSignal::new(false);
    let error = RwSignal::new(None::<String>);
    let start = move |_| {
        let Some(element) = video.get_untracked() else {
            return;
        };
        let judge = judge.clone();
        leptos::task::spawn_local(async move {
            match Scanner::start(element, judge).await {
                Ok(started) => {
                    scanner.set_value(Some(started));
                    running.set(true);
                    error.set(None);
                }
                Err(e) => error.set(Some(e.to_string())),
            }
        });
    };
    on_cleanup(move || {
        scanner.update_value(|s| {
            if let Some(s) = s.as_mut() {
                s.stop();
            }
        });
    });
    view! {
        <section class="card section camera">
            <video node_ref=video class="camera-view" class:hidden=move || !running.get() data-testid="camera" />
            <Show when=move || !running.get()>
                <button type="button" class="button button-primary" data-testid="camera-start" on:click=start.clone()>
                    {move || t_string!(i18n, checkin.start_camera)}
                </button>
            </Show>
            {move || error.get().map(|e| view! { <p class="form-error" role="alert">{t_string!(i18n, checkin.camera_error)}" "{e}</p> })}
        </section>
    }
}

#[component]
fn NameSearch(
    roster: Memo<Option<Roster>>,
    log: Memo<Option<CheckinLog>>,
    admit: impl Fn(String) + Clone + Send + Sync + 'static,
) -> impl IntoView {
    let i18n = use_i18n();
    let query = RwSignal::new(String::new());
    let found = move || {
        let q = fold(query.get().trim());
        roster.with(|r| {
            r.as_ref().map_or_else(Vec::new, |r| {
                r.attendees
                    .iter()
                    .filter(|(_, a)| a.status == SeatStatus::Confirmed.key())
                    .filter(|(_, a)| {
                        q.is_empty() || fold(&a.name).contains(&q) || fold(&a.reading).contains(&q)
                    })
                    .map(|(user, a)| {
                        (
                            user.clone(),
                            a.name.clone(),
                            a.reading.clone(),
                            a.description.clone(),
                        )
                    })
                    .collect::<Vec<_>>()
            })
        })
    };
    view! {
        <section class="card section">
            <input type="search" class="input" data-testid="checkin-search"
                placeholder=move || t_string!(i18n, checkin.search_placeholder)
                prop:value=move || query.get()
                on:input=move |ev| query.set(event_target_value(&ev)) />
            <ul class="checkin-people">
                {move || found().into_iter().map(|(user, name, reading, description)| {
                    let arrived = { let user = user.clone(); move || log.with(|l| l.as_ref().is_some_and(|l| l.attended(&user))) };
                    let admit = admit.clone();
                    view! {
                        <li class="checkin-person" data-testid="checkin-person">
                            <div>
                                <strong>{name}</strong>" "<span class="muted">{reading}</span>
                                <p class="muted">{description}</p>
                            </div>
                            {move || if arrived() {
                                view! { <span class="status">{t_string!(i18n, checkin.arrived)}</span> }.into_any()
                            } else {
                                let (admit, user) = (admit.clone(), user.clone());
                                view! { <button type="button" class="button button-small" on:click=move |_| admit(user.clone())>{t_string!(i18n, checkin.admit)}</button> }.into_any()
                            }}
                        </li>
                    }
                }).collect::<Vec<_>>()}
            </ul>
        </section>
    }
}

fn describe(admission: &Admission, roster: &Roster) -> Shown {
    let person = |user: &str, fallback: &str| {
        roster.attendees.get(user).map_or_else(
            || (fallback.to_owned(), String::new()),
            |a| (a.name.clone(), a.description.clone()),
        )
    };
    let refused = |verdict, ticket: Option<&tsunagu_core::pass::Ticket>| {
        let (name, description) =
            ticket.map_or_else(Default::default, |t| person(&t.attendee, &t.name));
        Shown {
            verdict,
            name,
            description,
            before: None,
            valid_from: None,
        }
    };
    match admission {
        Admission::Admit(ticket) => refused("admitted", Some(ticket)),
        Admission::AlreadyIn {
            ticket,
            first,
            here,
        } => Shown {
            before: Some(first.at),
            ..refused(
                if *here {
                    "already-here"
                } else {
                    "already-elsewhere"
                },
                Some(ticket),
            )
        },
        Admission::Refused(verdict) => match verdict {
            Verdict::Revoked(t) => refused("revoked", Some(t)),
            Verdict::WrongEvent(t) => refused("wrong-event", Some(t)),
            Verdict::NotYetValid(t) => Shown {
                valid_from: Some(t.not_before),
                ..refused("not-yet", Some(t))
            },
            Verdict::Expired(t) => refused("expired", Some(t)),
            Verdict::Forged => refused("forged", None),
            Verdict::Unreadable | Verdict::Valid(_) => refused("unreadable", None),
        },
    }
}

/// What staff see for a scanned alumni ID card; `None` if it is not one.
fn card(verdict: CardVerdict) -> Option<Shown> {
    let shown = |verdict, card: Card| Shown {
        verdict,
        description: format!("{}〜{} · {}", card.joined, card.left, card.status),
        valid_from: (verdict == "card-not-yet").then_some(card.not_before),
        name: card.name,
        before: None,
    };
    Some(match verdict {
        CardVerdict::Valid(c) => shown("card-valid", c),
        CardVerdict::Revoked(c) => shown("card-revoked", c),
        CardVerdict::Expired(c) => shown("card-expired", c),
        CardVerdict::NotYetValid(c) => shown("card-not-yet", c),
        CardVerdict::Forged => Shown {
            verdict: "forged",
            ..not_synced()
        },
        CardVerdict::Unreadable => return None,
    })
}

fn not_synced() -> Shown {
    Shown {
        verdict: "not-synced",
        name: String::new(),
        description: String::new(),
        before: None,
        valid_from: None,
    }
}

fn verdict_text(locale: Locale, verdict: &str) -> &'static str {
    match verdict {
        "admitted" => td_string!(locale, checkin.admitted),
        "already-here" => td_string!(locale, checkin.already_here),
        "already-elsewhere" => td_string!(locale, checkin.already_elsewhere),
        "revoked" => td_string!(locale, checkin.revoked),
        "wrong-event" => td_string!(locale, checkin.wrong_event),
        "not-yet" => td_string!(locale, checkin.not_yet),
        "expired" => td_string!(locale, checkin.expired),
        "forged" => td_string!(locale, checkin.forged),
        "not-synced" => td_string!(locale, checkin.not_synced),
        "card-valid" => td_string!(locale, checkin.card_valid),
        "card-revoked" => td_string!(locale, checkin.card_revoked),
        "card-expired" => td_string!(locale, checkin.card_expired),
        "card-not-yet" => td_string!(locale, checkin.not_yet),
        _ => td_string!(locale, checkin.unreadable),
    }
}

/// The tail of a device's storage id: enough to tell the gates apart.
fn short_device(device: &str) -> String {
    let tail: String = device.chars().rev().take(6).collect();
    tail.chars().rev().collect()
}

/// Records the time from the camera frame to the verdict on the page's performance timeline
/// (`tsunagu:scan-to-verdict`), where the end-to-end test and the bench read it.
fn measure_scan_to_verdict(taken: f64) {
    let Some(performance) = web_sys::window().and_then(|w| w.performance()) else {
        return;
    };
    let options = js_sys::Object::new();
    js_sys::Reflect::set(&options, &"start".into(), &taken.into()).ok();
    js_sys::Reflect::set(&options, &"end".into(), &performance_now().into()).ok();
    let measure = js_sys::Reflect::get(&performance, &"measure".into())
        .ok()
        .and_then(|f| wasm_bindgen::JsCast::dyn_into::<js_sys::Function>(f).ok());
    if let Some(measure) = measure {
        measure
            .call2(&performance, &"tsunagu:scan-to-verdict".into(), &options)
            .ok();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tsunagu_core::pass::Ticket;
    use wasm_bindgen_test::wasm_bindgen_test;

    #[wasm_bindgen_test]
    fn a_ticket_not_valid_yet_says_from_when() {
        let ticket = Ticket {
            id: "t1".into(),
            event: "e1".into(),
            attendee: "u-hanako".into(),
            name: "山田 花子".into(),
            not_before: 1_796_000_000,
            not_after: 1_796_050_000,
        };
        let shown = describe(
            &Admission::Refused(Verdict::NotYetValid(ticket.clone())),
            &Roster::default(),
        );
        assert_eq!(shown.verdict, "not-yet");
        assert_eq!(shown.valid_from, Some(1_796_000_000));
        assert_eq!(shown.name, "山田 花子");
        let expired = describe(
            &Admission::Refused(Verdict::Expired(ticket)),
            &Roster::default(),
        );
        assert_eq!(expired.valid_from, None);
    }
}
