//! Directory search folds text with the browser's NFKC in the wasm build (the native build uses
//! the `unicode-normalization` tables): the same forms must fold alike in headless Chromium.
#![cfg(target_arch = "wasm32")]

use tsunagu_core::profile::Profile;
use tsunagu_core::search::{Query, fold, haystack};
use wasm_bindgen_test::{wasm_bindgen_test, wasm_bindgen_test_configure};

wasm_bindgen_test_configure!(run_in_browser);

#[wasm_bindgen_test]
fn width_and_compatibility_forms_fold_by_the_browsers_nfkc() {
    assert_eq!(fold("ＲＵＳＴ１２３"), "rust123");
    assert_eq!(fold("ﾔﾏﾀﾞ"), "やまだ");
    assert_eq!(fold("ヤマダ"), "やまだ");
    assert_eq!(fold("㈱メルカリ"), "(株)めるかり");
    assert_eq!(fold("ｶﾞｷﾞｸﾞ"), "がぎぐ");
}

#[wasm_bindgen_test]
fn a_name_is_found_in_every_script_and_width() {
    let hanako = Profile {
        name: "山田 花子".into(),
        reading: "やまだ はなこ".into(),
        romaji: "Hanako Yamada".into(),
        employer: "メルカリ".into(),
        ..Default::default()
    };
    let hay = haystack(&hanako);
    for q in ["山田", "ﾔﾏﾀﾞ", "ヤマダ", "yamada", "ｙａｍａｄａ", "ﾒﾙｶﾘ"]
    {
        assert!(
            Query::text(q).matches(&hanako, &hay),
            "{q} should find 山田 花子"
        );
    }
    assert!(!Query::text("佐藤").matches(&hanako, &hay));
}
