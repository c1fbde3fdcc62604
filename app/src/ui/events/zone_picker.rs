//! Choosing a time zone by searching for it: "東京", "tokyo", "ロンドン", "+9" or "日本" all find
//! Asia/Tokyo or its neighbours. The event editor and the first-run setup share it.
//!
//! The browser lists the zones and names them ([`time::all_zones`], [`time::zone_name`]); which
//! zones match a search and in which order ([`search`]) is worked out here, with no browser.
//! The input keeps the zone's IANA name as its value, as typed before the picker existed.

use std::rc::Rc;

use leptos::prelude::*;
use tsunagu_core::search::fold;

use crate::i18n::*;
use crate::ui::time;

/// Zones shown at most while searching.
const SHOWN: usize = 40;

/// One zone as the picker offers it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ZoneInfo {
    /// The IANA name, e.g. `Asia/Tokyo`.
    pub(crate) id: String,
    /// Its offset from UTC now, in seconds.
    pub(crate) offset: i64,
    /// Its city in the reader's language, e.g. 東京.
    pub(crate) city: String,
    /// Its name in the reader's language, e.g. 日本標準時.
    pub(crate) name: String,
    /// Everything it is found by, folded.
    haystack: String,
}

impl ZoneInfo {
    pub(crate) fn new(id: &str, offset: i64, city: &str, name: &str) -> Self {
        let english_city = id.rsplit('/').next().unwrap_or(id).replace('_', " ");
        let haystack = fold(&format!(
            "{id} {} {english_city} {city} {name} {}",
            id.replace('_', " "),
            offset_forms(offset)
        ));
        Self {
            id: id.to_owned(),
            offset,
            city: city.to_owned(),
            name: name.to_owned(),
            haystack,
        }
    }
}

/// `UTC+09:00`, as the list shows an offset.
pub(crate) fn offset_label(offset: i64) -> String {
    let sign = if offset < 0 { '-' } else { '+' };
    let minutes = offset.abs() / 60;
    format!("UTC{sign}{:02}:{:02}", minutes / 60, minutes % 60)
}

/// The ways people type an offset: `utc+09:00 gmt+9 +9 +0900`.
fn offset_forms(offset: i64) -> String {
    let sign = if offset < 0 { '-' } else { '+' };
    let minutes = offset.abs() / 60;
    let (h, m) = (minutes / 60, minutes % 60);
    let short = if m == 0 {
        format!("{sign}{h}")
    } else {
        format!("{sign}{h}:{m:02}")
    };
    format!(
        "{} gmt{short} utc{short} {short} {sign}{h:02}{m:02}",
        offset_label(offset)
    )
}

/// The zones matching `query`, best first: all of them in the given order (the common ones
/// first) for an empty query; else those whose city or name starts with it before those that
/// merely contain it.
pub(crate) fn search<'a>(zones: &'a [ZoneInfo], query: &str) -> Vec<&'a ZoneInfo> {
    let query = fold(query.trim());
    if query.is_empty() {
        return zones.iter().collect();
    }
    let starts = |z: &ZoneInfo| {
        [&z.city, &z.name, &z.id]
            .iter()
            .any(|t| fold(t).starts_with(&query))
            || z.id
                .rsplit('/')
                .next()
                .is_some_and(|c| fold(c).starts_with(&query))
    };
    let mut found: Vec<(bool, usize, &ZoneInfo)> = zones
        .iter()
        .enumerate()
        .filter(|(_, z)| z.haystack.contains(&query))
        .map(|(i, z)| (!starts(z), i, z))
        .collect();
    found.sort_by_key(|(later, i, _)| (*later, *i));
    found.into_iter().map(|(_, _, z)| z).collect()
}

/// Cities of the zones alumni of a Japanese company mostly live in, as Japanese writes them;
/// the English name comes from the zone's own.
fn city_ja(id: &str) -> Option<&'static str> {
    Some(match id {
        "Asia/Tokyo" => "東京",
        "Asia/Seoul" => "ソウル",
        "Asia/Shanghai" => "上海",
        "Asia/Hong_Kong" => "香港",
        "Asia/Taipei" => "台北",
        "Asia/Singapore" => "シンガポール",
        "Asia/Bangkok" => "バンコク",
        "Asia/Ho_Chi_Minh" | "Asia/Saigon" => "ホーチミン",
        "Asia/Jakarta" => "ジャカルタ",
        "Asia/Manila" => "マニラ",
        "Asia/Kuala_Lumpur" => "クアラルンプール",
        "Asia/Kolkata" | "Asia/Calcutta" => "コルカタ",
        "Asia/Dubai" => "ドバイ",
        "Australia/Sydney" => "シドニー",
        "Pacific/Auckland" => "オークランド",
        "Pacific/Honolulu" => "ホノルル",
        "Europe/London" => "ロンドン",
        "Europe/Paris" => "パリ",
        "Europe/Berlin" => "ベルリン",
        "Europe/Amsterdam" => "アムステルダム",
        "Europe/Zurich" => "チューリッヒ",
        "Europe/Madrid" => "マドリード",
        "Europe/Rome" => "ローマ",
        "America/New_York" => "ニューヨーク",
        "America/Chicago" => "シカゴ",
        "America/Denver" => "デンバー",
        "America/Los_Angeles" => "ロサンゼルス",
        "America/Toronto" => "トロント",
        "America/Vancouver" => "バンクーバー",
        "America/Sao_Paulo" => "サンパウロ",
        "America/Mexico_City" => "メキシコシティ",
        "UTC" => "協定世界時",
        _ => return None,
    })
}

/// Every zone the browser knows, named in `locale` (built once per language: naming four
/// hundred zones takes the browser a moment).
fn catalogue(locale: Locale) -> Rc<Vec<ZoneInfo>> {
    thread_local! {
        static CACHE: std::cell::RefCell<Option<(Locale, Rc<Vec<ZoneInfo>>)>> = const { std::cell::RefCell::new(None) };
    }
    CACHE.with(|cache| {
        if let Some((cached, zones)) = cache.borrow().as_ref()
            && *cached == locale
        {
            return Rc::clone(zones);
        }
        let zones: Rc<Vec<ZoneInfo>> = Rc::new(
            time::all_zones()
                .iter()
                .filter_map(|id| {
                    let offset = time::offset_now(id)?;
                    let english = id.rsplit('/').next().unwrap_or(id).replace('_', " ");
                    let city = match locale {
                        Locale::ja => city_ja(id).map_or(english, str::to_owned),
                        Locale::en => english,
                    };
                    Some(ZoneInfo::new(
                        id,
                        offset,
                        &city,
                        &time::zone_name(id, locale),
                    ))
                })
                .collect(),
        );
        *cache.borrow_mut() = Some((locale, Rc::clone(&zones)));
        zones
    })
}

/// A searchable time zone field whose value is the zone's IANA name; `on_pick` hears each
/// zone chosen.
#[component]
pub(crate) fn ZonePicker(
    #[prop(into)] value: Signal<String>,
    on_pick: Callback<String>,
    /// The input's id, for its `<label for>`.
    id: &'static str,
    testid: &'static str,
) -> impl IntoView {
    let i18n = use_i18n();
    let open = RwSignal::new(false);
    let query = RwSignal::new(String::new());
    let active = RwSignal::new(0usize);
    let list_id = format!("{id}-list");
    let found = Memo::new(move |_| {
        if !open.get() {
            return Vec::new();
        }
        let zones = catalogue(i18n.get_locale());
        query.with(|q| {
            search(&zones, q)
                .into_iter()
                .take(SHOWN)
                .cloned()
                .collect::<Vec<_>>()
        })
    });
    let chosen = Memo::new(move |_| {
        let zone = value.get();
        catalogue(i18n.get_locale())
            .iter()
            .find(|z| z.id == zone)
            .cloned()
    });
    let pick = move |zone: String| {
        on_pick.run(zone);
        open.set(false);
        query.set(String::new());
    };
    let close = move || {
        // A zone's exact name typed and left counts as picked, as when this was a text field.
        let typed = query.get_untracked();
        let exact = catalogue(i18n.get_locale_untracked())
            .iter()
            .find(|z| z.id.eq_ignore_ascii_case(typed.trim()))
            .map(|z| z.id.clone());
        match exact {
            Some(zone) => pick(zone),
            None => {
                open.set(false);
                query.set(String::new());
            }
        }
    };
    let keydown = move |ev: leptos::ev::KeyboardEvent| {
        let count = found.with_untracked(Vec::len);
        match ev.key().as_str() {
            "ArrowDown" => {
                ev.prevent_default();
                open.set(true);
                active.update(|a| *a = (*a + 1).min(count.saturating_sub(1)));
            }
            "ArrowUp" => {
                ev.prevent_default();
                active.update(|a| *a = a.saturating_sub(1));
            }
            "Enter" if open.get_untracked() => {
                ev.prevent_default();
                let zone =
                    found.with_untracked(|f| f.get(active.get_untracked()).map(|z| z.id.clone()));
                if let Some(zone) = zone {
                    pick(zone);
                }
            }
            "Escape" => {
                open.set(false);
                query.set(String::new());
            }
            _ => {}
        }
    };
    let option_id = move |i: usize| format!("{id}-option-{i}");
    view! {
        <div class="zone-picker" data-testid=format!("{testid}-picker")>
            <input class="input" id=id type="text" role="combobox" autocomplete="off" spellcheck="false"
                data-testid=testid
                aria-controls=list_id.clone()
                aria-autocomplete="list"
                aria-expanded=move || open.get().to_string()
                aria-activedescendant=move || (open.get() && !found.with(Vec::is_empty)).then(|| option_id(active.get()))
                placeholder=move || t_string!(i18n, zone_picker.search)
                prop:value=move || if open.get() { query.get() } else { value.get() }
                on:focus=move |_| {
                    query.set(String::new());
                    active.set(0);
                    open.set(true);
                }
                on:input=move |ev| {
                    query.set(event_target_value(&ev));
                    active.set(0);
                    open.set(true);
                }
                on:keydown=keydown
                on:blur=move |_| close() />
            <Show when=move || open.get()>
                <ul class="zone-options" id=list_id.clone() role="listbox" data-testid="zone-options">
                    {move || {
                        let zones = found.get();
                        if zones.is_empty() {
                            return view! { <li class="zone-none" role="presentation">{t_string!(i18n, zone_picker.none)}</li> }.into_any();
                        }
                        zones.into_iter().enumerate().map(|(i, zone)| {
                            let ZoneInfo { id: zone_id, offset, city, name, .. } = zone;
                            let picked = zone_id.clone();
                            let data_zone = zone_id.clone();
                            let is_chosen = value.with(|v| *v == zone_id);
                            view! {
                                <li class="zone-option" role="option" id=option_id(i) data-testid="zone-option" data-zone=data_zone
                                    class:zone-active=move || active.get() == i
                                    aria-selected=is_chosen.to_string()
                                    // Keeps the focus in the input, so its blur does not close the list first.
                                    on:mousedown=|ev| ev.prevent_default()
                                    on:click=move |_| pick(picked.clone())>
                                    <span class="zone-offset">{offset_label(offset)}</span>
                                    <span class="zone-city">{city}</span>
                                    <span class="zone-name">{name}" · "{zone_id}</span>
                                </li>
                            }
                        }).collect_view().into_any()
                    }}
                </ul>
            </Show>
            {move || chosen.get().map(|z| view! {
                <p class="zone-chosen" data-testid=format!("{testid}-chosen")>
                    <span class="zone-offset">{offset_label(z.offset)}</span>" "{z.city}" · "{z.name}
                </p>
            })}
        </div>
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use wasm_bindgen_test::wasm_bindgen_test;

    fn zones() -> Vec<ZoneInfo> {
        vec![
            ZoneInfo::new("Asia/Tokyo", 9 * 3600, "東京", "日本標準時"),
            ZoneInfo::new("Europe/London", 0, "ロンドン", "グリニッジ標準時"),
            ZoneInfo::new(
                "America/New_York",
                -5 * 3600,
                "ニューヨーク",
                "アメリカ東部標準時",
            ),
            ZoneInfo::new("Asia/Kolkata", 19_800, "コルカタ", "インド標準時"),
            ZoneInfo::new(
                "Australia/Lord_Howe",
                39_600,
                "Lord Howe",
                "ロード・ハウ夏時間",
            ),
        ]
    }

    fn ids(found: Vec<&ZoneInfo>) -> Vec<&str> {
        found.into_iter().map(|z| z.id.as_str()).collect()
    }

    #[wasm_bindgen_test]
    fn zones_are_found_by_city_name_and_offset_in_either_language() {
        let zones = zones();
        assert_eq!(ids(search(&zones, "")).len(), 5, "all, in the given order");
        assert_eq!(ids(search(&zones, "東京")), ["Asia/Tokyo"]);
        assert_eq!(ids(search(&zones, "tokyo")), ["Asia/Tokyo"]);
        assert_eq!(ids(search(&zones, "TOKYO")), ["Asia/Tokyo"]);
        assert_eq!(
            ids(search(&zones, "ろんどん")),
            ["Europe/London"],
            "hiragana finds katakana"
        );
        assert_eq!(ids(search(&zones, "new york")), ["America/New_York"]);
        assert_eq!(ids(search(&zones, "+9")), ["Asia/Tokyo"]);
        assert_eq!(ids(search(&zones, "utc+09:00")), ["Asia/Tokyo"]);
        assert_eq!(ids(search(&zones, "+5:30")), ["Asia/Kolkata"]);
        assert_eq!(ids(search(&zones, "-5")), ["America/New_York"]);
        assert!(search(&zones, "mars").is_empty());
    }

    #[wasm_bindgen_test]
    fn a_name_that_starts_with_the_search_comes_first() {
        let zones = zones();
        // "lo" starts London's and Lord Howe's names, and nothing else holds it.
        assert_eq!(
            ids(search(&zones, "lo")),
            ["Europe/London", "Australia/Lord_Howe"]
        );
        // "標準時" is in four names; none starts with it: they keep the given order.
        assert_eq!(
            ids(search(&zones, "標準時")),
            [
                "Asia/Tokyo",
                "Europe/London",
                "America/New_York",
                "Asia/Kolkata"
            ]
        );
    }

    #[wasm_bindgen_test]
    fn offsets_read_as_utc_plus_hours_and_minutes() {
        assert_eq!(offset_label(9 * 3600), "UTC+09:00");
        assert_eq!(offset_label(0), "UTC+00:00");
        assert_eq!(offset_label(-(3 * 3600 + 1800)), "UTC-03:30");
        assert_eq!(offset_label(20_700), "UTC+05:45");
    }
}
