//! `/talent`: the talent pool (タレントプール) for those who post job openings (admins,
//! recruiters; a desktop screen first). Alumni who said they would come back or work with the
//! company again, found by skills, departments, years and place, each with how engaged they are
//! (events attended, last active, applications, referrals); a shortlist the recruiters share,
//! a CSV export of what is found, and a message from the card. The relay answers from the
//! profiles as the recruiter may read them, so the pool needs a connection.

use leptos::prelude::*;
use leptos_router::components::A;
use tsunagu_core::api::{Engagement, TALENT_INTERESTS, Talent, TalentPool, TalentQuery};
use tsunagu_core::profile::{Interest, Profile};

use super::editor::{Problem, WithYears, WritersOnly, YearFields, Years, problem_text};
use crate::api;
use crate::error::AppError;
use crate::i18n::*;
use crate::state::Link;
use crate::ui::avatar::{Avatar, name_of};
use crate::ui::form_input::FormInput;
use crate::ui::text::{current_role, download_language, interest_label, tenure};
use crate::ui::time::{self, Style};
use crate::ui::{error_text, icons, use_client};

/// The search as typed: years stay text until searched.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
struct Form {
    skills: String,
    departments: String,
    locations: String,
    years: Years,
}

impl WithYears for Form {
    fn years(&self) -> &Years {
        &self.years
    }

    fn years_mut(&mut self) -> &mut Years {
        &mut self.years
    }
}

impl Form {
    /// The query the form says, with what the chips chose.
    fn query(&self, open_to: &str, shortlisted: bool) -> Result<TalentQuery, Problem> {
        let years = self.years.parse()?;
        let query = TalentQuery {
            open_to: open_to.to_owned(),
            skills: self.skills.trim().to_owned(),
            departments: self.departments.trim().to_owned(),
            locations: self.locations.trim().to_owned(),
            left_from: years.left_from,
            left_to: years.left_to,
            joined_from: years.joined_from,
            joined_to: years.joined_to,
            shortlisted,
        };
        // What is left to be wrong: too many names, or one too long.
        match query.problem() {
            Some(_) => Err(Problem::TooLong),
            None => Ok(query),
        }
    }
}

#[component]
pub(crate) fn TalentPage() -> impl IntoView {
    view! {
        <WritersOnly job=Some(true)>
            <Pool />
        </WritersOnly>
    }
}

#[component]
fn Pool() -> impl IntoView {
    let i18n = use_i18n();
    let signals = use_client().signals;
    let form = RwSignal::new(Form::default());
    let open_to = RwSignal::new(String::new());
    let shortlisted = RwSignal::new(false);
    let problem = RwSignal::new(None::<Problem>);
    // What was last searched; the list follows it, and a shortlist change asks again.
    let searched = RwSignal::new(TalentQuery::default());
    let version = RwSignal::new(0u32);
    let search = move || match form
        .with_untracked(|f| f.query(&open_to.get_untracked(), shortlisted.get_untracked()))
    {
        Ok(query) => {
            problem.set(None);
            searched.set(query);
        }
        Err(p) => problem.set(Some(p)),
    };
    let pool = LocalResource::new(move || {
        version.track();
        let query = searched.get();
        let online = signals.link.get() != Link::Offline;
        async move {
            if online {
                Some(api::talent(&query).await)
            } else {
                None
            }
        }
    });
    let interest_chip = move |interest: Option<Interest>| {
        let key = interest.map_or("", Interest::key);
        let on = move || open_to.with(|o| o == key);
        view! {
            <button type="button" class="chip chip-toggle" class:chip-on=on aria-pressed=move || on().to_string()
                data-testid=format!("talent-open-{}", if key.is_empty() { "any" } else { key })
                on:click=move |_| {
                    open_to.set(key.to_owned());
                    search();
                }>
                {move || match interest {
                    Some(i) => interest_label(i18n.get_locale(), i),
                    None => t_string!(i18n, talent.open_any),
                }}
            </button>
        }
    };
    let csv = move || api::talent_csv(&searched.get(), download_language(i18n.get_locale()));
    view! {
        <section class="talent-page" data-testid="talent-page">
            <A href="/jobs" attr:class="back-link">
                <icons::Back />
                <span>{move || t_string!(i18n, jobs.title)}</span>
            </A>
            <div class="page-head">
                <h1 class="page-title">{move || t_string!(i18n, talent.title)}</h1>
                <a class="button button-small" href=csv download="" data-testid="talent-csv">
                    {move || t_string!(i18n, talent.csv)}
                </a>
            </div>
            <p class="page-lead">{move || t_string!(i18n, talent.lead)}</p>
            <form class="card section talent-search" role="search" data-testid="talent-search"
                on:submit=move |ev| {
                    ev.prevent_default();
                    search();
                }>
                <div class="chips" role="group" aria-label=move || t_string!(i18n, talent.open_label)>
                    {interest_chip(None)}
                    {TALENT_INTERESTS.into_iter().map(|i| interest_chip(Some(i))).collect_view()}
                    <button type="button" class="chip chip-toggle" class:chip-on=move || shortlisted.get()
                        aria-pressed=move || shortlisted.get().to_string() data-testid="talent-shortlisted"
                        on:click=move |_| {
                            shortlisted.update(|s| *s = !*s);
                            search();
                        }>
                        "★ "{move || t_string!(i18n, talent.shortlist_only)}
                    </button>
                </div>
                <div class="talent-fields">
                    <FormInput form=form label=Signal::derive(move || t_string!(i18n, talent.skills)) testid="talent-skills"
                        get=|f| f.skills.as_str() set=|f, v| f.skills = v />
                    <FormInput form=form label=Signal::derive(move || t_string!(i18n, news.departments)) testid="talent-departments"
                        get=|f| f.departments.as_str() set=|f, v| f.departments = v />
                    <FormInput form=form label=Signal::derive(move || t_string!(i18n, news.locations)) testid="talent-locations"
                        get=|f| f.locations.as_str() set=|f, v| f.locations = v />
                </div>
                <p class="field-hint">{move || t_string!(i18n, news.names_hint)}</p>
                <YearFields form=form testid="talent" />
                <div class="form-actions">
                    {move || problem.get().map(|p| view! {
                        <p class="form-error" role="alert" data-testid="talent-problem">{problem_text(i18n.get_locale(), p)}</p>
                    })}
                    <button type="submit" class="button button-primary" data-testid="talent-search-button">
                        {move || t_string!(i18n, talent.search)}
                    </button>
                </div>
            </form>
            {move || match pool.get() {
                None => ().into_any(),
                Some(None) => view! { <p class="empty" data-testid="talent-offline">{t_string!(i18n, talent.offline)}</p> }.into_any(),
                Some(Some(Err(e))) => view! { <p class="form-error" role="alert">{error_text(i18n.get_locale(), &e)}</p> }.into_any(),
                Some(Some(Ok(found))) => view! { <Found found=found version=version /> }.into_any(),
            }}
        </section>
    }
}

/// What the search found: how many, and a card each.
#[component]
fn Found(found: TalentPool, version: RwSignal<u32>) -> impl IntoView {
    let i18n = use_i18n();
    let TalentPool { people, total } = found;
    let shown = people.len();
    if people.is_empty() {
        return view! { <p class="empty" data-testid="talent-empty">{move || t_string!(i18n, talent.empty)}</p> }
            .into_any();
    }
    view! {
        <p class="talent-count" role="status" data-testid="talent-count" data-total=total.to_string()>
            {move || if shown < total {
                t_string!(i18n, talent.count_first).replace("%n", &total.to_string()).replace("%m", &shown.to_string())
            } else {
                t_string!(i18n, talent.count).replace("%n", &total.to_string())
            }}
        </p>
        <ul class="talent-list" data-testid="talent-list">
            {people.into_iter().map(|t| view! { <TalentCard talent=t version=version /> }).collect_view()}
        </ul>
    }
    .into_any()
}

#[component]
fn TalentCard(talent: Talent, version: RwSignal<u32>) -> impl IntoView {
    let i18n = use_i18n();
    let signals = use_client().signals;
    let error = RwSignal::new(None::<AppError>);
    let busy = RwSignal::new(false);
    let on_list = talent.shortlisted.is_some();
    let user = StoredValue::new(talent.id.clone());
    let toggle = move |_| {
        busy.set(true);
        leptos::task::spawn_local(async move {
            match api::shortlist(&user.get_value(), !on_list).await {
                Ok(()) => version.update(|v| *v += 1),
                Err(e) => error.set(Some(e)),
            }
            busy.try_set(false);
        });
    };
    let profile = Profile {
        joined: talent.joined.clone(),
        left: talent.left.clone(),
        employer: talent.employer.clone(),
        title: talent.title.clone(),
        ..Profile::default()
    };
    let years = tenure(&profile);
    let listed = name_of(signals, &talent.id);
    let name = talent.name.clone();
    let heading = match listed {
        Some((doc, _)) => view! {
            <Avatar doc=doc name=name.clone() photo=talent.photo.clone() />
            <A href=format!("/people/{doc}") attr:class="talent-name" attr:data-testid="talent-name">{name}</A>
        }
        .into_any(),
        None => view! { <strong class="talent-name" data-testid="talent-name">{name}</strong> }.into_any(),
    };
    let open_to: Vec<Interest> = talent
        .open_to
        .iter()
        .filter_map(|k| Interest::from_key(k))
        .collect();
    let shortlisted_by = talent.shortlisted.clone();
    view! {
        <li class="card talent-card" data-testid="talent" data-user=talent.id.clone() data-shortlisted=on_list.to_string()>
            <div class="talent-head">
                {heading}
                <button type="button" class="button button-small talent-star" class:talent-star-on=on_list
                    data-testid="talent-shortlist" aria-pressed=on_list.to_string() disabled=move || busy.get()
                    on:click=toggle>
                    {move || if on_list { t_string!(i18n, talent.shortlisted) } else { t_string!(i18n, talent.shortlist) }}
                </button>
            </div>
            {(!talent.reading.is_empty()).then(|| view! { <p class="talent-reading">{talent.reading.clone()}</p> })}
            {move || current_role(i18n.get_locale(), &profile).map(|r| view! { <p class="talent-role">{r}</p> })}
            <p class="talent-where">
                {(!talent.location.is_empty()).then(|| view! { <span>{talent.location.clone()}</span> })}
                {years.map(|y| view! { <span data-testid="talent-years">{y}</span> })}
            </p>
            <div class="chips talent-chips">
                {open_to.into_iter().map(|i| view! {
                    <span class="status status-job" data-testid="talent-open">{move || interest_label(i18n.get_locale(), i)}</span>
                }).collect_view()}
                {talent.departments.iter().map(|d| view! { <span class="chip">{d.clone()}</span> }).collect_view()}
            </div>
            {(!talent.skills.is_empty()).then(|| view! {
                <p class="talent-skills" data-testid="talent-skill-list">{talent.skills.join(" · ")}</p>
            })}
            <Engaged engagement=talent.engagement />
            {shortlisted_by.map(|s| view! {
                <p class="talent-note" data-testid="talent-shortlisted-by">{move || {
                    let when = time::format(s.at, None, i18n.get_locale(), Style::Day);
                    t_string!(i18n, talent.shortlisted_by).replace("%n", &s.by).replace("%d", &when)
                }}</p>
            })}
            {move || error.get().map(|e| view! { <p class="form-error" role="alert">{error_text(i18n.get_locale(), &e)}</p> })}
            <div class="talent-actions">
                <crate::ui::messages::MessageButton user=user.get_value() />
            </div>
        </li>
    }
}

/// How engaged someone is, in four figures.
#[component]
fn Engaged(engagement: Engagement) -> impl IntoView {
    let i18n = use_i18n();
    let Engagement {
        events_attended,
        last_active,
        applications,
        referrals,
        referrals_hired,
    } = engagement;
    let last = move || match last_active {
        Some(at) => time::format(at, None, i18n.get_locale(), Style::Day),
        None => t_string!(i18n, talent.never).to_owned(),
    };
    let referred = move || {
        if referrals_hired > 0 {
            t_string!(i18n, talent.referrals_hired)
                .replace("%n", &referrals.to_string())
                .replace("%m", &referrals_hired.to_string())
        } else {
            referrals.to_string()
        }
    };
    view! {
        <dl class="talent-engagement" data-testid="talent-engagement">
            <div><dt>{move || t_string!(i18n, talent.events)}</dt><dd data-testid="talent-events">{events_attended}</dd></div>
            <div><dt>{move || t_string!(i18n, talent.last_active)}</dt><dd data-testid="talent-last-active">{last}</dd></div>
            <div><dt>{move || t_string!(i18n, talent.applications)}</dt><dd data-testid="talent-applications">{applications}</dd></div>
            <div><dt>{move || t_string!(i18n, talent.referrals)}</dt><dd data-testid="talent-referrals">{referred}</dd></div>
        </dl>
    }
}
