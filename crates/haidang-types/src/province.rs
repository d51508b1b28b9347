//! Province names as keys. The register, accounts and consular cases name provinces as
//! people type them ("Cà Mau", "CA MAU", "ca-mau", "Ca Mau" typed without its marks, or in
//! decomposed Unicode); [`province_key`] folds them all to one key, so that scoping and
//! report filters match the province however it was written.

/// The Vietnamese letters with marks, after each base letter.
const FOLDS: [(char, &str); 7] = [
    ('a', "àáảãạăằắẳẵặâầấẩẫậ"),
    ('e', "èéẻẽẹêềếểễệ"),
    ('i', "ìíỉĩị"),
    ('o', "òóỏõọôồốổỗộơờớởỡợ"),
    ('u', "ùúủũụưừứửữự"),
    ('y', "ỳýỷỹỵ"),
    ('d', "đ"),
];

/// The key of a province name: lower case, Vietnamese marks removed (precomposed or
/// combining), every run of other characters one `-`, none at the ends.
///
/// ```
/// # use haidang_types::province_key;
/// assert_eq!(province_key("Cà Mau"), "ca-mau");
/// assert_eq!(province_key("  CÀ_MAU "), "ca-mau");
/// assert_eq!(province_key("Ca\u{300} Mau"), "ca-mau");
/// assert_eq!(province_key("Đắk Lắk"), "dak-lak");
/// assert_eq!(province_key("TP. Hồ Chí Minh"), "tp-ho-chi-minh");
/// ```
pub fn province_key(name: &str) -> String {
    let mut key = String::with_capacity(name.len());
    let mut gap = false;
    for c in name.chars().flat_map(char::to_lowercase) {
        if ('\u{300}'..='\u{36f}').contains(&c) {
            continue;
        }
        let c = FOLDS
            .iter()
            .find(|(_, marked)| marked.contains(c))
            .map_or(c, |(base, _)| *base);
        if c.is_alphanumeric() {
            if gap && !key.is_empty() {
                key.push('-');
            }
            gap = false;
            key.push(c);
        } else {
            gap = true;
        }
    }
    key
}
