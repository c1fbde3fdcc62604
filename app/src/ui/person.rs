//! A person's profile page, `/people/<document id>`, read from the copy on this device.

use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::use_params_map;
use tsunagu_core::ids::DocumentId;
use tsunagu_core::profile::{Interest, Profile, Visibility};
use tsunagu_core::vocab::{Audience, Field, Role};

use super::avatar::Avatar;
use super::fields::audience_label;
use super::text::{current_role, interest_label, safe_url, tenure};
use super::{icons, use_client};
use crate::i18n::*;

#[component]
pub(crate) fn PersonPage() -> impl IntoView {
    let i18n = use_i18n();
    let signals = use_client().signals;
    let params = use_params_map();
    let doc = Memo::new(move |_| {
        params
            .with(|p| p.get("id"))
            .and_then(|id| id.parse::<DocumentId>().ok())
    });
    let found = Memo::new(move |_| {
        let doc = doc.get()?;
        signals.directory.with(|entries| {
            entries
                .iter()
                .find(|(d, _, _)| *d == doc)
                .map(|(d, p, _)| (*d, p.clone()))
        })
    });
    view! {
        <article class="person" data-testid="person-page">
            <A href="/" attr:class="back-link" attr:data-testid="person-back">
                <icons::Back />
                <span>{move || t_string!(i18n, person.back)}</span>
            </A>
            {move || match found.get() {
                Some((doc, profile)) => view! { <PersonDetails doc=doc profile=profile /> }.into_any(),
                None => view! { <p class="empty" data-testid="person-not-found">{move || t_string!(i18n, person.not_found)}</p> }.into_any(),
            }}
        </article>
    }
}

/// Whose eyes one's own profile page is seen through ("他の人からの見え方").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Viewer {
    /// Oneself: everything, each field marked with whom it is shown to.
    Me,
    Alumnus,
    Employee,
    EventStaff,
    Admin,
}

impl Viewer {
    const ALL: [Viewer; 5] = [
        Viewer::Me,
        Viewer::Alumnus,
        Viewer::Employee,
        Viewer::EventStaff,
        Viewer::Admin,
    ];

    /// The roles of someone who sees the profile this way (none for oneself).
    fn roles(self) -> &'static [Role] {
        match self {
            Viewer::Me => &[],
            Viewer::Alumnus => &[Role::Alumni],
            Viewer::Employee => &[Role::Employee],
            Viewer::EventStaff => &[Role::EventStaff],
            Viewer::Admin => &[Role::Admin],
        }
    }

    fn key(self) -> &'static str {
        match self {
            Viewer::Me => "me",
            Viewer::Alumnus => "alumnus",
            Viewer::Employee => "employee",
            Viewer::EventStaff => "event-staff",
            Viewer::Admin => "admin",
        }
    }

    fn label(self, locale: Locale) -> &'static str {
        match self {
            Viewer::Me => td_string!(locale, person.view_as_me),
            Viewer::Alumnus => td_string!(locale, person.view_as_alumnus),
            Viewer::Employee => td_string!(locale, person.view_as_employee),
            Viewer::EventStaff => td_string!(locale, person.view_as_event_staff),
            Viewer::Admin => td_string!(locale, person.view_as_admin),
        }
    }
}

/// Whom each field of one's own profile is shown to, for the marks beside them.
#[derive(Debug, Clone, Default)]
struct Marks {
    visibility: Visibility,
    defaults: Visibility,
}

impl Marks {
    /// The audience of `field` when it is not everyone.
    fn of(&self, field: Field) -> Option<Audience> {
        Some(self.visibility.of(field, &self.defaults)).filter(|a| *a != Audience::Everyone)
    }
}

#[component]
fn PersonDetails(doc: DocumentId, profile: Profile) -> impl IntoView {
    let i18n = use_i18n();
    let client = use_client();
    let mine = client
        .signals
        .me
        .with_untracked(|me| me.as_ref().is_some_and(|m| m.profile_doc == doc));
    if !mine {
        return view! { <PersonBody doc=doc profile=profile marks=None mine=false /> }.into_any();
    }
    let marks = Marks {
        visibility: client.my_visibility(),
        defaults: client.default_visibility(),
    };
    let viewer = RwSignal::new(Viewer::Me);
    view! {
        <section class="card section view-as" data-testid="view-as">
            <h2 class="section-title">{move || t_string!(i18n, person.view_as)}</h2>
            <div class="segmented" role="group" aria-label=move || t_string!(i18n, person.view_as)>
                {Viewer::ALL.into_iter().map(|v| view! {
                    <button type="button" class="segment"
                        aria-pressed=move || (viewer.get() == v).to_string()
                        data-testid=format!("view-as-{}", v.key())
                        on:click=move |_| viewer.set(v)>
                        {move || v.label(i18n.get_locale())}
                    </button>
                }).collect_view()}
            </div>
            <Show when=move || viewer.get() != Viewer::Me>
                <p class="muted view-as-note" data-testid="view-as-note">{move || t_string!(i18n, person.view_as_note)}</p>
            </Show>
        </section>
        {move || {
            let v = viewer.get();
            if v == Viewer::Me {
                view! { <PersonBody doc=doc profile=profile.clone() marks=Some(marks.clone()) mine=true /> }.into_any()
            } else {
                let seen = profile.seen_by(v.roles(), &marks.visibility, &marks.defaults);
                view! { <div class="view-as-preview" data-testid="view-as-preview" data-viewer=v.key()><PersonBody doc=doc profile=seen marks=None mine=false /></div> }.into_any()
            }
        }}
    }
    .into_any()
}

/// A mark beside a field of one's own profile saying who it is shown to, when not everyone.
fn audience_mark(marks: &Option<Marks>, field: Field) -> Option<impl IntoView + use<>> {
    let audience = marks.as_ref()?.of(field)?;
    let i18n = use_i18n();
    Some(view! {
        <span class="audience-mark" data-testid=format!("audience-mark-{}", field.key()) data-audience=audience.key()>
            <icons::Eye />
            {move || audience_label(i18n.get_locale(), audience)}
        </span>
    })
}

#[component]
fn PersonBody(
    doc: DocumentId,
    profile: Profile,
    marks: Option<Marks>,
    mine: bool,
) -> impl IntoView {
    let i18n = use_i18n();
    let role = {
        let profile = profile.clone();
        move || current_role(i18n.get_locale(), &profile)
    };
    let interests: Vec<Interest> = Interest::ALL
        .into_iter()
        .filter(|i| profile.has_interest(*i))
        .collect();
    let positions: Vec<_> = profile
        .positions
        .iter()
        .filter(|p| !(p.department.trim().is_empty() && p.role.trim().is_empty()))
        .cloned()
        .collect();
    let links: Vec<_> = profile
        .links
        .iter()
        .filter(|l| !l.url.trim().is_empty())
        .cloned()
        .collect();
    view! {
        <header class="person-header card">
            <Avatar doc name=profile.name.clone() photo=profile.photo.clone() large=true />
            <div class="person-heading">
                <h1 class="person-name" data-testid="person-name">{profile.name.clone()}</h1>
                <p class="person-reading">
                    {profile.reading.clone()}
                    {(!profile.romaji.is_empty()).then(|| view! { <span class="person-romaji">{profile.romaji.clone()}</span> })}
                </p>
                <p class="person-role" data-testid="person-role">{role}</p>
                <dl class="facts">
                    {tenure(&profile).map(|t| view! {
                        <div class="fact">
                            <dt>{move || t_string!(i18n, person.tenure)}</dt>
                            <dd>{t}{profile.left.is_empty().then(|| view! { " "<span class="muted">{move || t_string!(i18n, person.current_employee)}</span> })}</dd>
                        </div>
                    })}
                    {(!profile.location.trim().is_empty()).then(|| view! {
                        <div class="fact">
                            <dt>{move || t_string!(i18n, person.location)}{audience_mark(&marks, Field::Location)}</dt>
                            <dd>{profile.location.clone()}</dd>
                        </div>
                    })}
                </dl>
                {if mine {
                    view! { <A href="/me" attr:class="button button-small" attr:data-testid="person-edit">{move || t_string!(i18n, person.edit)}</A> }.into_any()
                } else {
                    view! { <div class="person-actions"><super::messages::MessageButton user=profile.owner.clone() /></div> }.into_any()
                }}
            </div>
        </header>
        {(!interests.is_empty()).then(|| view! {
            <section class="card section">
                <h2 class="section-title">{move || t_string!(i18n, person.interests)}{audience_mark(&marks, Field::Interests)}</h2>
                <ul class="chips">
                    {interests.into_iter().map(|i| view! { <li class="chip chip-accent">{move || interest_label(i18n.get_locale(), i)}</li> }).collect_view()}
                </ul>
            </section>
        })}
        {(!profile.bio.trim().is_empty()).then(|| view! {
            <section class="card section">
                <h2 class="section-title">{move || t_string!(i18n, person.bio)}{audience_mark(&marks, Field::Bio)}</h2>
                <p class="bio">{profile.bio.clone()}</p>
            </section>
        })}
        {(!positions.is_empty()).then(|| view! {
            <section class="card section">
                <h2 class="section-title">{move || t_string!(i18n, person.positions)}{audience_mark(&marks, Field::Positions)}</h2>
                <ul class="timeline">
                    {positions.into_iter().map(|p| view! {
                        <li><span class="timeline-dept">{p.department}</span>" "<span class="muted">{p.role}</span></li>
                    }).collect_view()}
                </ul>
            </section>
        })}
        <ChipSection title=Signal::derive(move || t_string!(i18n, person.skills)) items=profile.skills.clone() testid="person-skills" mark=audience_mark(&marks, Field::Skills).map(IntoAny::into_any) />
        <ChipSection title=Signal::derive(move || t_string!(i18n, person.certifications)) items=profile.certifications.clone() testid="person-certifications" mark=audience_mark(&marks, Field::Certifications).map(IntoAny::into_any) />
        {(!links.is_empty()).then(|| view! {
            <section class="card section">
                <h2 class="section-title">{move || t_string!(i18n, person.links)}{audience_mark(&marks, Field::Links)}</h2>
                <ul class="links">
                    {links.into_iter().map(|l| {
                        let label = if l.label.trim().is_empty() { l.url.clone() } else { l.label.clone() };
                        match safe_url(&l.url) {
                            Some(url) => view! { <li><a href=url.to_owned() target="_blank" rel="noopener noreferrer">{label}</a></li> }.into_any(),
                            None => view! { <li>{label}" "<span class="muted">{l.url.clone()}</span></li> }.into_any(),
                        }
                    }).collect_view()}
                </ul>
            </section>
        })}
    }
}

#[component]
fn ChipSection(
    title: Signal<&'static str>,
    items: Vec<String>,
    testid: &'static str,
    mark: Option<AnyView>,
) -> impl IntoView {
    (!items.is_empty()).then(|| {
        view! {
            <section class="card section" data-testid=testid>
                <h2 class="section-title">{move || title.get()}{mark}</h2>
                <ul class="chips">{items.into_iter().map(|s| view! { <li class="chip">{s}</li> }).collect_view()}</ul>
            </section>
        }
    })
}
