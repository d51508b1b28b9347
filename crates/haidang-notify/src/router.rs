//! Routing: which recipients receive an alert, from `geodata/missions.toml` (built in) and
//! a deployment's override file merged over it.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::path::PathBuf;

use haidang_store::NewAlert;
use haidang_types::AlertKind;
use serde::Deserialize;

use crate::error::ConfigError;
use crate::signature::Secret;

/// The routing file that ships with the product (placeholder URLs and addresses).
pub const SHIPPED_MISSIONS_TOML: &str = include_str!("../../../geodata/missions.toml");

/// Every alert kind, by its name: the routing file must say who receives each.
const KINDS: [AlertKind; 10] = [
    AlertKind::Approach,
    AlertKind::EnteredForeign,
    AlertKind::EnteredUndelimited,
    AlertKind::Exited,
    AlertKind::Silent6h,
    AlertKind::Silent10d,
    AlertKind::ProviderOutage,
    AlertKind::Distress,
    AlertKind::PossibleDetention,
    AlertKind::ImplausibleTrack,
];

/// A set of recipients an alert kind is routed to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Group {
    /// The national watch floor.
    Operators,
    /// The national agencies (fisheries, consular, Border Guard).
    National,
    /// The missions responsible for the zone's country.
    Mission,
    /// The vessel's province's fisheries sub-department and Border Guard command.
    Province,
}

/// How a delivery travels.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Channel {
    /// A signed HTTP POST (Standard Webhooks).
    Webhook,
    /// An e-mail over SMTP.
    Email,
}

impl Channel {
    /// The name used in destinations and metrics labels.
    pub fn as_str(self) -> &'static str {
        match self {
            Channel::Webhook => "webhook",
            Channel::Email => "email",
        }
    }
}

impl fmt::Display for Channel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One delivery the router asks for: a recipient on one of its channels.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Delivery {
    /// How.
    pub channel: Channel,
    /// To whom: a recipient id of the routing file.
    pub recipient: String,
}

impl Delivery {
    /// The outbox destination: `webhook:<recipient>` or `email:<recipient>`. Never holds a
    /// URL or a secret: those are looked up at send time, so a new URL applies to
    /// deliveries already queued.
    pub fn destination(&self) -> String {
        format!("{}:{}", self.channel, self.recipient)
    }

    /// The delivery an outbox destination names, if it is one.
    pub fn parse(destination: &str) -> Option<Self> {
        let (channel, recipient) = destination.split_once(':')?;
        let channel = match channel {
            "webhook" => Channel::Webhook,
            "email" => Channel::Email,
            _ => return None,
        };
        (!recipient.is_empty()).then(|| Self {
            channel,
            recipient: recipient.to_owned(),
        })
    }
}

/// A recipient's webhook: where to POST, and the secret to sign with.
#[derive(Clone, Debug)]
pub struct Webhook {
    /// The URL.
    pub url: String,
    /// The signing secret; `None` when its environment variable or file is missing (the
    /// deliveries then fail and are retried until it is set).
    pub secret: Option<Secret>,
    /// Where the secret was to come from, for error messages.
    pub secret_source: String,
}

/// A recipient of alerts: an agency, a mission, a provincial office.
#[derive(Clone, Debug)]
pub struct Recipient {
    /// Its id in the routing file.
    pub id: String,
    /// Its name, as people know it.
    pub name: String,
    /// Its webhook, if it has one.
    pub webhook: Option<Webhook>,
    /// Its e-mail addresses (may be empty).
    pub email: Vec<String>,
}

/// The routing table, validated: every reference resolves, every alert kind is routed,
/// `implausible_track` reaches no mission.
#[derive(Clone, Debug)]
pub struct Router {
    kinds: BTreeMap<&'static str, BTreeSet<Group>>,
    groups: BTreeMap<String, Vec<String>>,
    countries: BTreeMap<String, Vec<String>>,
    /// Folded province names (current and former) -> recipient ids.
    provinces: BTreeMap<String, Vec<String>>,
    recipients: BTreeMap<String, Recipient>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawConfig {
    kinds: BTreeMap<String, Vec<Group>>,
    #[serde(default)]
    groups: BTreeMap<String, Vec<String>>,
    #[serde(default)]
    countries: BTreeMap<String, Vec<String>>,
    #[serde(default)]
    provinces: BTreeMap<String, RawProvince>,
    #[serde(default)]
    recipients: BTreeMap<String, RawRecipient>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawProvince {
    #[serde(default)]
    formerly: Vec<String>,
    recipients: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRecipient {
    name: String,
    webhook: Option<RawWebhook>,
    #[serde(default)]
    email: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawWebhook {
    url: String,
    /// The secret itself (tests, or a deployment file kept secret).
    secret: Option<String>,
    /// The environment variable holding it.
    secret_env: Option<String>,
    /// A file holding it (trailing whitespace ignored).
    secret_file: Option<PathBuf>,
}

impl Router {
    /// The routing file that ships with the product, alone (placeholder endpoints).
    pub fn shipped() -> Result<Self, ConfigError> {
        Self::from_toml(SHIPPED_MISSIONS_TOML, None)
    }

    /// The routing table from `base` (normally [`SHIPPED_MISSIONS_TOML`]) with a
    /// deployment's `overrides` merged over it: tables merge key by key, any other value
    /// (a string, an array) replaces the base's, and a recipient's `webhook` table is
    /// replaced whole. A deployment file can thus change one recipient's webhook, add a
    /// country, or replace a kind's groups.
    pub fn from_toml(base: &str, overrides: Option<&str>) -> Result<Self, ConfigError> {
        let mut table: toml::Table =
            toml::from_str(base).map_err(|e| ConfigError::Toml(e.message().to_owned()))?;
        if let Some(overrides) = overrides {
            let over: toml::Table = toml::from_str(overrides)
                .map_err(|e| ConfigError::Toml(format!("override file: {}", e.message())))?;
            merge(&mut table, over);
        }
        let raw: RawConfig = toml::Value::Table(table)
            .try_into()
            .map_err(|e: toml::de::Error| ConfigError::Toml(e.message().to_owned()))?;
        Self::validate(raw)
    }

    fn validate(raw: RawConfig) -> Result<Self, ConfigError> {
        let mut recipients = BTreeMap::new();
        for (id, r) in raw.recipients {
            if r.webhook.is_none() && r.email.is_empty() {
                return Err(ConfigError::Invalid(format!(
                    "recipient {id} has neither a webhook nor an e-mail address"
                )));
            }
            if let Some(bad) = r.email.iter().find(|a| !a.contains('@')) {
                return Err(ConfigError::Invalid(format!(
                    "recipient {id}: {bad:?} is not an e-mail address"
                )));
            }
            let webhook = r.webhook.map(|w| webhook(&id, w)).transpose()?;
            recipients.insert(
                id.clone(),
                Recipient {
                    id,
                    name: r.name,
                    webhook,
                    email: r.email,
                },
            );
        }
        let known = |place: &str, ids: &[String]| -> Result<(), ConfigError> {
            match ids.iter().find(|id| !recipients.contains_key(*id)) {
                Some(id) => Err(ConfigError::Invalid(format!(
                    "{place} names recipient {id}, which is not in [recipients]"
                ))),
                None => Ok(()),
            }
        };
        for (name, ids) in &raw.groups {
            if name != "operators" && name != "national" {
                return Err(ConfigError::Invalid(format!(
                    "[groups] {name}: only operators and national are lists (missions come \
                     from [countries], provinces from [provinces])"
                )));
            }
            known(&format!("[groups] {name}"), ids)?;
        }
        for (code, ids) in &raw.countries {
            if code.len() != 3 || !code.bytes().all(|b| b.is_ascii_uppercase()) {
                return Err(ConfigError::Invalid(format!(
                    "[countries] {code:?} is not an ISO 3166-1 alpha-3 code"
                )));
            }
            known(&format!("[countries] {code}"), ids)?;
        }
        let mut provinces = BTreeMap::new();
        let mut owners: BTreeMap<String, &str> = BTreeMap::new();
        for (name, p) in &raw.provinces {
            known(&format!("[provinces] {name}"), &p.recipients)?;
            for alias in std::iter::once(name).chain(&p.formerly) {
                let folded = fold(alias);
                if let Some(owner) = owners.insert(folded.clone(), name)
                    && owner != name
                {
                    return Err(ConfigError::Invalid(format!(
                        "province name {alias:?} is both {owner} and {name} in [provinces]"
                    )));
                }
                provinces.insert(folded, p.recipients.clone());
            }
        }
        let mut kinds = BTreeMap::new();
        for kind in KINDS {
            let groups: BTreeSet<Group> = raw
                .kinds
                .get(kind.as_str())
                .ok_or_else(|| {
                    ConfigError::Invalid(format!("[kinds] does not route {}", kind.as_str()))
                })?
                .iter()
                .copied()
                .collect();
            if kind == AlertKind::ImplausibleTrack && groups.contains(&Group::Mission) {
                return Err(ConfigError::Invalid(
                    "[kinds] implausible_track is never routed to missions".to_owned(),
                ));
            }
            kinds.insert(kind.as_str(), groups);
        }
        if let Some(unknown) = raw
            .kinds
            .keys()
            .find(|k| !KINDS.iter().any(|kind| kind.as_str() == k.as_str()))
        {
            return Err(ConfigError::Invalid(format!(
                "[kinds] {unknown} is not an alert kind"
            )));
        }
        Ok(Self {
            kinds,
            groups: raw.groups,
            countries: raw.countries,
            provinces,
            recipients,
        })
    }

    /// The deliveries for `alert`: for each recipient of the groups its kind is routed to,
    /// one per channel the recipient has, sorted and without repeats. `mission` means
    /// the missions of the alert's `country` (none when it is unknown or not listed);
    /// `province` means `vessel_province`'s recipients (matched on the current name or a
    /// pre-2025 one, ignoring case and Vietnamese diacritics; none when unknown). A kind
    /// the table does not know goes to the operators alone; `implausible_track` never
    /// reaches a mission.
    pub fn recipients(&self, alert: &NewAlert, vessel_province: Option<&str>) -> Vec<Delivery> {
        let operators_only: BTreeSet<Group> = [Group::Operators].into();
        let groups = self
            .kinds
            .get(alert.kind.as_str())
            .unwrap_or(&operators_only);
        let mut ids: BTreeSet<&str> = BTreeSet::new();
        for group in groups {
            let list: &[String] = match group {
                Group::Operators => self.group("operators"),
                Group::National => self.group("national"),
                Group::Mission if alert.kind == AlertKind::ImplausibleTrack.as_str() => &[],
                Group::Mission => alert
                    .country
                    .as_deref()
                    .and_then(|c| self.countries.get(&c.to_ascii_uppercase()))
                    .map_or(&[], Vec::as_slice),
                Group::Province => vessel_province
                    .and_then(|p| self.provinces.get(&fold(p)))
                    .map_or(&[], Vec::as_slice),
            };
            ids.extend(list.iter().map(String::as_str));
        }
        let mut out = Vec::new();
        for id in ids {
            let Some(r) = self.recipients.get(id) else {
                continue;
            };
            if r.webhook.is_some() {
                out.push(Delivery {
                    channel: Channel::Webhook,
                    recipient: id.to_owned(),
                });
            }
            if !r.email.is_empty() {
                out.push(Delivery {
                    channel: Channel::Email,
                    recipient: id.to_owned(),
                });
            }
        }
        out.sort();
        out
    }

    /// The recipient with this id.
    pub fn recipient(&self, id: &str) -> Option<&Recipient> {
        self.recipients.get(id)
    }

    /// Every recipient, by id.
    pub fn all_recipients(&self) -> impl Iterator<Item = &Recipient> {
        self.recipients.values()
    }

    fn group(&self, name: &str) -> &[String] {
        self.groups.get(name).map_or(&[], Vec::as_slice)
    }
}

fn webhook(id: &str, w: RawWebhook) -> Result<Webhook, ConfigError> {
    if !(w.url.starts_with("https://") || w.url.starts_with("http://")) {
        return Err(ConfigError::Invalid(format!(
            "recipient {id}: webhook url {:?} is not http(s)",
            w.url
        )));
    }
    let sources = [
        w.secret.is_some(),
        w.secret_env.is_some(),
        w.secret_file.is_some(),
    ];
    if sources.iter().filter(|s| **s).count() != 1 {
        return Err(ConfigError::Invalid(format!(
            "recipient {id}: a webhook needs exactly one of secret, secret_env, secret_file"
        )));
    }
    let (secret, secret_source) = if let Some(s) = w.secret {
        (Some(s), "the routing file".to_owned())
    } else if let Some(var) = w.secret_env {
        (std::env::var(&var).ok(), format!("${var}"))
    } else if let Some(path) = w.secret_file {
        (
            std::fs::read_to_string(&path)
                .ok()
                .map(|s| s.trim_end().to_owned()),
            path.display().to_string(),
        )
    } else {
        (None, String::new())
    };
    let secret = secret
        .filter(|s| !s.is_empty())
        .map(|s| Secret::parse(&s))
        .transpose()
        .map_err(|e| ConfigError::Invalid(format!("recipient {id}: {e}")))?;
    Ok(Webhook {
        url: w.url,
        secret,
        secret_source,
    })
}

/// Merges `over` into `base`: tables key by key, anything else replaced; a `webhook`
/// table is replaced whole (its secret source with it).
fn merge(base: &mut toml::Table, over: toml::Table) {
    for (key, value) in over {
        match (base.get_mut(&key), value) {
            (Some(toml::Value::Table(b)), toml::Value::Table(o)) if key != "webhook" => {
                merge(b, o);
            }
            (_, value) => {
                base.insert(key, value);
            }
        }
    }
}

/// A province name folded for matching: lowercase, Vietnamese diacritics removed (đ to
/// d), runs of spaces, hyphens and dots as one space, a leading "tỉnh"/"thành phố"/"tp"
/// dropped.
pub(crate) fn fold(name: &str) -> String {
    const GROUPS: [(&str, char); 7] = [
        ("àáạảãâầấậẩẫăằắặẳẵ", 'a'),
        ("èéẹẻẽêềếệểễ", 'e'),
        ("ìíịỉĩ", 'i'),
        ("òóọỏõôồốộổỗơờớợởỡ", 'o'),
        ("ùúụủũưừứựửữ", 'u'),
        ("ỳýỵỷỹ", 'y'),
        ("đ", 'd'),
    ];
    let mut out = String::with_capacity(name.len());
    for c in name.chars().flat_map(char::to_lowercase) {
        let c = GROUPS
            .iter()
            .find(|(set, _)| set.contains(c))
            .map_or(c, |(_, plain)| *plain);
        if c.is_whitespace() || c == '-' || c == '.' {
            if !out.is_empty() && !out.ends_with(' ') {
                out.push(' ');
            }
        } else {
            out.push(c);
        }
    }
    let out = out.trim_end();
    let out = ["tinh ", "thanh pho ", "tp "]
        .iter()
        .find_map(|p| out.strip_prefix(p))
        .unwrap_or(out);
    out.to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::OffsetDateTime;

    fn alert(kind: &str, country: Option<&str>) -> NewAlert {
        let mut a = NewAlert::new("k", kind, OffsetDateTime::UNIX_EPOCH);
        a.country = country.map(str::to_owned);
        a
    }

    /// Routes with the shipped file; `expect` lists the recipients, each with `w` for a
    /// webhook and `e` for e-mail (every shipped recipient has both).
    fn check(kind: &str, country: Option<&str>, province: Option<&str>, expect: &[&str]) {
        let router = Router::shipped().unwrap();
        let got: BTreeSet<String> = router
            .recipients(&alert(kind, country), province)
            .iter()
            .map(Delivery::destination)
            .collect();
        let want: BTreeSet<String> = expect
            .iter()
            .flat_map(|r| [format!("webhook:{r}"), format!("email:{r}")])
            .collect();
        assert_eq!(got, want, "{kind} {country:?} {province:?}");
    }

    const NATIONAL: [&str; 4] = [
        "ops.watch_floor",
        "national.fisheries",
        "national.consular",
        "national.border_guard",
    ];

    fn with(extra: &[&'static str]) -> Vec<&'static str> {
        NATIONAL.iter().chain(extra).copied().collect()
    }

    #[test]
    fn shipped_routes() {
        // An entry into Indonesian waters: the Jakarta mission and the national recipients.
        check(
            "entered_foreign",
            Some("IDN"),
            None,
            &with(&["mission.idn.jakarta"]),
        );
        // A country no mission is listed for: national recipients only.
        check("entered_foreign", Some("PNG"), None, &NATIONAL);
        check("entered_foreign", None, None, &NATIONAL);
        // Never to missions, whatever the zone.
        check(
            "implausible_track",
            Some("IDN"),
            Some("Cà Mau"),
            &["ops.watch_floor"],
        );
        // Consulates too where they cover the waters.
        check(
            "possible_detention",
            Some("MYS"),
            None,
            &with(&["mission.mys.kuala_lumpur", "mission.mys.kota_kinabalu"]),
        );
        check(
            "distress",
            Some("chn"),
            None,
            &with(&[
                "mission.chn.beijing",
                "mission.chn.guangzhou",
                "mission.chn.nanning",
            ]),
        );
        // The province by its pre-2025 name, without diacritics.
        check(
            "approach",
            Some("THA"),
            Some("kien giang"),
            &[
                "ops.watch_floor",
                "province.an_giang.fisheries",
                "province.an_giang.border_guard",
            ],
        );
        check(
            "silent_6h",
            None,
            Some("Tỉnh Bà Rịa - Vũng Tàu"),
            &[
                "ops.watch_floor",
                "province.ho_chi_minh.fisheries",
                "province.ho_chi_minh.border_guard",
            ],
        );
        check("silent_6h", None, Some("Atlantis"), &["ops.watch_floor"]);
        check("provider_outage", None, None, &NATIONAL);
        // A kind this version does not know: operators alone.
        check("sea_serpent", Some("IDN"), None, &["ops.watch_floor"]);
    }

    #[test]
    fn shipped_file_has_every_province_and_placeholders_only() {
        let router = Router::shipped().unwrap();
        assert_eq!(router.provinces.values().collect::<BTreeSet<_>>().len(), 21);
        for r in router.all_recipients() {
            let w = r.webhook.as_ref().unwrap();
            assert!(w.url.starts_with("https://example.invalid/"), "{}", w.url);
            assert!(w.secret_source.starts_with("$HAIDANG_WEBHOOK_SECRET_"));
            assert!(r.email.iter().all(|a| a.ends_with("@example.invalid")));
        }
    }

    fn invalid(overrides: &str, message: &str) {
        let err = Router::from_toml(SHIPPED_MISSIONS_TOML, Some(overrides)).unwrap_err();
        assert!(err.to_string().contains(message), "{err}");
    }

    #[test]
    fn bad_files_are_refused_with_the_key() {
        invalid(
            "[kinds]\nimplausible_track = [\"operators\", \"mission\"]",
            "implausible_track is never routed to missions",
        );
        invalid(
            "[countries]\nIDN = [\"mission.nowhere\"]",
            "mission.nowhere",
        );
        invalid("[countries]\nindonesia = []", "alpha-3");
        invalid("[kinds]\nsea_serpent = []", "sea_serpent");
        invalid("[groups]\nmission = []", "[groups] mission");
        invalid(
            "[recipients.x]\nname = \"x\"\nemail = [\"nobody\"]",
            "not an e-mail address",
        );
        invalid("[recipients.x]\nname = \"x\"", "neither a webhook");
        invalid(
            "[recipients.x]\nname = \"x\"\nwebhook = { url = \"ftp://x\", secret = \"s\" }",
            "not http(s)",
        );
        invalid(
            "[recipients.x]\nname = \"x\"\nwebhook = { url = \"https://x\" }",
            "exactly one of",
        );
        invalid(
            "[provinces.\"Cà Mau\"]\nrecipients = []\ncolour = 1",
            "colour",
        );
        invalid("[kinds\n", "TOML");
        invalid(
            "[provinces.\"Atlantis\"]\nformerly = [\"Ca Mau\"]\nrecipients = []",
            "is both",
        );
        let no_kinds = Router::from_toml("[kinds]\napproach = []", None).unwrap_err();
        assert!(
            no_kinds
                .to_string()
                .contains("does not route entered_foreign")
        );
    }

    #[test]
    fn a_deployment_file_overrides_keys() {
        let router = Router::from_toml(
            SHIPPED_MISSIONS_TOML,
            Some(
                r#"
                [countries]
                PNG = ["mission.aus.canberra"]
                [recipients."mission.idn.jakarta"]
                webhook = { url = "https://jakarta.example.org/hook", secret = "s3cret" }
                email = ["lanhsu@example.org"]
                "#,
            ),
        )
        .unwrap();
        let jakarta = router.recipient("mission.idn.jakarta").unwrap();
        assert_eq!(
            jakarta.webhook.as_ref().unwrap().url,
            "https://jakarta.example.org/hook"
        );
        assert!(jakarta.webhook.as_ref().unwrap().secret.is_some());
        assert_eq!(jakarta.email, ["lanhsu@example.org"]);
        // The name was not overridden, so it is the shipped one.
        assert!(jakarta.name.contains("Jakarta"));
        let png: Vec<_> = router
            .recipients(&alert("entered_foreign", Some("PNG")), None)
            .into_iter()
            .map(|d| d.recipient)
            .collect();
        assert!(png.contains(&"mission.aus.canberra".to_owned()));
    }

    #[test]
    fn destinations_round_trip() {
        for d in ["webhook:mission.idn.jakarta", "email:ops.watch_floor"] {
            assert_eq!(Delivery::parse(d).unwrap().destination(), d);
        }
        assert_eq!(Delivery::parse("sms:x"), None);
        assert_eq!(Delivery::parse("email:"), None);
        assert_eq!(Delivery::parse("email"), None);
    }

    #[test]
    fn province_names_fold() {
        assert_eq!(fold("Kiên Giang"), "kien giang");
        assert_eq!(fold("  TỈNH  Bà Rịa-Vũng Tàu "), "ba ria vung tau");
        assert_eq!(fold("TP. Hồ Chí Minh"), "ho chi minh");
        assert_eq!(fold("Đắk Lắk"), "dak lak");
        assert_eq!(fold("Thừa Thiên - Huế"), fold("Thua Thien Hue"));
    }
}
