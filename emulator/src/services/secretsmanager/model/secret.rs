//! One secret: its metadata, versions and staging labels, and the label
//! rules of aws-reference.md §3.3 (AWSCURRENT/AWSPREVIOUS moves, deprecated
//! versions, pruning).

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

use serde::{Deserialize, Serialize};

/// The label every secret's live value carries.
pub const AWSCURRENT: &str = "AWSCURRENT";
/// The label the previous live value gets when AWSCURRENT moves.
pub const AWSPREVIOUS: &str = "AWSPREVIOUS";
/// The label of a value being rotated in.
pub const AWSPENDING: &str = "AWSPENDING";

/// Milliseconds since the Unix epoch (rendered as fractional seconds).
pub type Millis = i64;
/// One day in milliseconds (LastAccessedDate has day resolution).
pub const DAY_MS: Millis = 86_400_000;

/// The value of a version: exactly one of the two kinds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum SecretValue {
    /// `SecretString`.
    String(String),
    /// `SecretBinary` (raw bytes; base64 only on the wire and on disk).
    Binary(#[serde(with = "b64")] Vec<u8>),
}

/// serde helper: bytes as base64 text in the state file.
mod b64 {
    use base64::Engine;
    use serde::{Deserialize, Deserializer, Serializer};
    pub fn serialize<S: Serializer>(v: &[u8], s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&base64::engine::general_purpose::STANDARD.encode(v))
    }
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<u8>, D::Error> {
        let text = String::deserialize(d)?;
        base64::engine::general_purpose::STANDARD
            .decode(text)
            .map_err(serde::de::Error::custom)
    }
}

/// A day stamp readers update without a write lock (GetSecretValue sets
/// LastAccessedDate while holding only a read lock). `0` means never.
#[derive(Debug, Default)]
pub struct AccessDay(AtomicI64);

impl AccessDay {
    /// Records an access at `now` (rounded down to midnight UTC).
    pub fn touch(&self, now: Millis) {
        self.0
            .store(now - now.rem_euclid(DAY_MS), Ordering::Relaxed);
    }
    /// The day of the last access, if any.
    pub fn get(&self) -> Option<Millis> {
        let v = self.0.load(Ordering::Relaxed);
        (v != 0).then_some(v)
    }
}

impl Clone for AccessDay {
    fn clone(&self) -> Self {
        AccessDay(AtomicI64::new(self.0.load(Ordering::Relaxed)))
    }
}

impl PartialEq for AccessDay {
    fn eq(&self, other: &Self) -> bool {
        self.get() == other.get()
    }
}

impl Serialize for AccessDay {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.get().serialize(s)
    }
}

impl<'de> Deserialize<'de> for AccessDay {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Ok(AccessDay(AtomicI64::new(
            Option::<i64>::deserialize(d)?.unwrap_or(0),
        )))
    }
}

/// One version of a secret.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Version {
    /// The VersionId (the ClientRequestToken that created it).
    pub id: String,
    /// The stored value. Immutable once written and shared (`Arc`), so
    /// copying a secret to change its labels never copies values.
    pub value: Arc<SecretValue>,
    /// Its staging labels (sorted, as AWS lists them). Empty = deprecated.
    pub stages: BTreeSet<String>,
    /// CreatedDate.
    pub created: Millis,
    /// Creation sequence number within the secret: orders versions whose
    /// timestamps tie, and decides which deprecated versions are pruned first.
    pub seq: u64,
    /// LastAccessedDate (day resolution), set by GetSecretValue.
    #[serde(default)]
    pub last_accessed: AccessDay,
}

/// A tag (keys are case-sensitive).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tag {
    /// The key.
    pub key: String,
    /// The value (may be empty).
    pub value: String,
}

/// The stored rotation configuration (emul cannot run rotation Lambdas; see
/// docs/decisions/0006-secretsmanager-rotation.md).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Rotation {
    /// RotationEnabled.
    pub enabled: bool,
    /// RotationLambdaARN.
    pub lambda_arn: Option<String>,
    /// RotationRules.AutomaticallyAfterDays.
    pub automatically_after_days: Option<i64>,
    /// RotationRules.Duration.
    pub duration: Option<String>,
    /// RotationRules.ScheduleExpression.
    pub schedule_expression: Option<String>,
}

/// One secret.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Secret {
    /// The full ARN (with the random 6-character suffix).
    pub arn: String,
    /// The friendly name (unique in its account and region).
    pub name: String,
    /// Description, if set.
    pub description: Option<String>,
    /// KmsKeyId, if not the default key (DescribeSecret omits the default).
    pub kms_key_id: Option<String>,
    /// `Type` (e.g. for managed secrets), if set.
    pub secret_type: Option<String>,
    /// OwningService for secrets managed by another service (e.g. `rds`).
    pub owning_service: Option<String>,
    /// Tags. `None` until first tagged; `Some(empty)` after untagging all
    /// (DescribeSecret then shows `"Tags": []`, as AWS does).
    pub tags: Option<Vec<Tag>>,
    /// Versions by id.
    pub versions: BTreeMap<String, Version>,
    /// The next version sequence number.
    pub next_seq: u64,
    /// CreatedDate.
    pub created: Millis,
    /// LastChangedDate.
    pub last_changed: Millis,
    /// LastAccessedDate (day resolution).
    #[serde(default)]
    pub last_accessed: AccessDay,
    /// When DeleteSecret was called (DescribeSecret's DeletedDate); `None`
    /// when the secret is not scheduled for deletion.
    pub deleted: Option<Millis>,
    /// When the secret disappears for good (DeleteSecret's DeletionDate).
    pub deletion_date: Option<Millis>,
    /// Rotation configuration, once RotateSecret was called.
    pub rotation: Option<Rotation>,
    /// LastRotatedDate.
    pub last_rotated: Option<Millis>,
    /// The stored resource policy document (PutResourcePolicy).
    pub resource_policy: Option<String>,
    /// On a replica: its primary's region (`PrimaryRegion`).
    #[serde(default)]
    pub primary_region: Option<String>,
    /// On a primary: its replica regions (`ReplicationStatus`).
    #[serde(default)]
    pub replicas: Vec<super::replication::Replica>,
}

/// How many versions AWS keeps at least ("keeps 100 of the most recent").
pub const VERSIONS_KEPT: usize = 100;

impl Secret {
    /// A new secret with no versions.
    pub fn new(arn: String, name: String, now: Millis) -> Self {
        Secret {
            arn,
            name,
            description: None,
            kms_key_id: None,
            secret_type: None,
            owning_service: None,
            tags: None,
            versions: BTreeMap::new(),
            next_seq: 1,
            created: now,
            last_changed: now,
            last_accessed: AccessDay::default(),
            deleted: None,
            deletion_date: None,
            rotation: None,
            last_rotated: None,
            resource_policy: None,
            primary_region: None,
            replicas: Vec::new(),
        }
    }

    /// `true` while the secret is scheduled for deletion.
    pub fn is_scheduled_for_deletion(&self) -> bool {
        self.deleted.is_some()
    }

    /// The version holding `label`, if any.
    pub fn version_with_label(&self, label: &str) -> Option<&Version> {
        self.versions.values().find(|v| v.stages.contains(label))
    }

    /// The id of the version holding `label`.
    pub fn holder_of(&self, label: &str) -> Option<String> {
        self.version_with_label(label).map(|v| v.id.clone())
    }

    /// Versions that carry at least one label, oldest first.
    pub fn labelled_versions(&self) -> Vec<&Version> {
        let mut v: Vec<&Version> = self
            .versions
            .values()
            .filter(|v| !v.stages.is_empty())
            .collect();
        v.sort_by_key(|v| v.seq);
        v
    }

    /// All versions, oldest first.
    pub fn versions_oldest_first(&self) -> Vec<&Version> {
        let mut v: Vec<&Version> = self.versions.values().collect();
        v.sort_by_key(|v| v.seq);
        v
    }

    /// Adds a new version and attaches `stages` to it (moving each label
    /// from wherever it was). Moving AWSCURRENT applies the AWSPREVIOUS rule.
    pub fn add_version(
        &mut self,
        id: String,
        value: SecretValue,
        stages: &BTreeSet<String>,
        now: Millis,
    ) {
        let seq = self.next_seq;
        self.next_seq += 1;
        let first = self.versions.is_empty();
        self.versions.insert(
            id.clone(),
            Version {
                id: id.clone(),
                value: Arc::new(value),
                stages: BTreeSet::new(),
                created: now,
                seq,
                last_accessed: AccessDay::default(),
            },
        );
        let mut stages = stages.clone();
        if first {
            // The first version always becomes AWSCURRENT.
            stages.insert(AWSCURRENT.to_string());
        }
        for label in &stages {
            self.attach_label(label, &id);
        }
        self.last_changed = now;
        self.prune(now);
    }

    /// Puts `label` on version `to` (removing it from its holder). When the
    /// label is AWSCURRENT and moves from A to `to`, AWSPREVIOUS moves to A.
    /// AWSPENDING is never removed automatically.
    pub fn attach_label(&mut self, label: &str, to: &str) {
        let previous_holder = self.holder_of(label);
        if previous_holder.as_deref() == Some(to) {
            return;
        }
        if let Some(holder) = &previous_holder
            && let Some(v) = self.versions.get_mut(holder)
        {
            v.stages.remove(label);
        }
        if let Some(v) = self.versions.get_mut(to) {
            v.stages.insert(label.to_string());
        }
        if label == AWSCURRENT
            && let Some(old) = previous_holder
        {
            self.attach_label(AWSPREVIOUS, &old);
        }
    }

    /// Removes `label` from version `from` (no AWSPREVIOUS side effects).
    pub fn detach_label(&mut self, label: &str, from: &str) {
        if let Some(v) = self.versions.get_mut(from) {
            v.stages.remove(label);
        }
    }

    /// Drops deprecated (label-less) versions beyond the newest
    /// [`VERSIONS_KEPT`], but never one created in the last 24 hours.
    pub fn prune(&mut self, now: Millis) {
        if self.versions.len() <= VERSIONS_KEPT {
            return;
        }
        let mut excess = self.versions.len() - VERSIONS_KEPT;
        let candidates: Vec<String> = self
            .versions_oldest_first()
            .into_iter()
            .filter(|v| v.stages.is_empty() && now - v.created > DAY_MS)
            .map(|v| v.id.clone())
            .collect();
        for id in candidates {
            if excess == 0 {
                break;
            }
            self.versions.remove(&id);
            excess -= 1;
        }
    }

    /// Staging labels by version id, label-less versions left out (the
    /// `VersionIdsToStages` / `SecretVersionsToStages` map).
    pub fn version_ids_to_stages(&self) -> BTreeMap<String, Vec<String>> {
        self.versions
            .values()
            .filter(|v| !v.stages.is_empty())
            .map(|v| (v.id.clone(), v.stages.iter().cloned().collect()))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn labels(list: &[&str]) -> BTreeSet<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    fn stages(s: &Secret, id: &str) -> Vec<String> {
        s.versions[id].stages.iter().cloned().collect()
    }

    fn val(s: &str) -> SecretValue {
        SecretValue::String(s.into())
    }

    #[test]
    fn first_version_is_current_even_with_custom_labels() {
        let mut s = Secret::new("arn".into(), "n".into(), 0);
        s.add_version("v1".into(), val("a"), &labels(&["ONE"]), 1);
        assert_eq!(stages(&s, "v1"), vec!["AWSCURRENT", "ONE"]);
    }

    /// aws-reference.md §3.3, table of label moves (each row: puts with
    /// labels, then the expected labels per version).
    #[test]
    fn label_moves_follow_the_reference() {
        type Row = (
            &'static str,
            Vec<(&'static str, Vec<&'static str>)>,
            Vec<(&'static str, Vec<&'static str>)>,
        );
        let rows: Vec<Row> = vec![
            (
                "AWSCURRENT moves, AWSPREVIOUS follows the old current",
                vec![("v1", vec![]), ("v2", vec!["AWSCURRENT"])],
                vec![("v1", vec!["AWSPREVIOUS"]), ("v2", vec!["AWSCURRENT"])],
            ),
            (
                "third current: the old previous becomes deprecated",
                vec![
                    ("v1", vec![]),
                    ("v2", vec!["AWSCURRENT"]),
                    ("v3", vec!["AWSCURRENT"]),
                ],
                vec![
                    ("v1", vec![]),
                    ("v2", vec!["AWSPREVIOUS"]),
                    ("v3", vec!["AWSCURRENT"]),
                ],
            ),
            (
                "custom labels without AWSCURRENT leave the current alone",
                vec![("v1", vec![]), ("v2", vec!["SAMPLESTAGE1", "SAMPLESTAGE0"])],
                vec![
                    ("v1", vec!["AWSCURRENT"]),
                    ("v2", vec!["SAMPLESTAGE0", "SAMPLESTAGE1"]),
                ],
            ),
            (
                "pending put keeps the current",
                vec![("v1", vec![]), ("v2", vec!["AWSPENDING"])],
                vec![("v1", vec!["AWSCURRENT"]), ("v2", vec!["AWSPENDING"])],
            ),
            (
                "labels move between versions; the rest stays",
                vec![
                    ("v1", vec!["one", "two", "three"]),
                    ("v2", vec!["one", "two", "four"]),
                ],
                vec![
                    ("v1", vec!["AWSCURRENT", "three"]),
                    ("v2", vec!["four", "one", "two"]),
                ],
            ),
            (
                "a second pending moves AWSPENDING",
                vec![
                    ("v1", vec![]),
                    ("v2", vec!["AWSPENDING"]),
                    ("v3", vec!["AWSPENDING"]),
                ],
                vec![
                    ("v1", vec!["AWSCURRENT"]),
                    ("v2", vec![]),
                    ("v3", vec!["AWSPENDING"]),
                ],
            ),
        ];
        for (what, puts, expected) in rows {
            let mut s = Secret::new("arn".into(), "n".into(), 0);
            for (i, (id, l)) in puts.iter().enumerate() {
                let l = if l.is_empty() {
                    labels(&["AWSCURRENT"])
                } else {
                    labels(l)
                };
                s.add_version(id.to_string(), val(id), &l, i as i64);
            }
            for (id, want) in expected {
                assert_eq!(stages(&s, id), want, "{what}: version {id}");
            }
        }
    }

    #[test]
    fn moving_current_onto_pending_keeps_pending() {
        let mut s = Secret::new("arn".into(), "n".into(), 0);
        s.add_version("v1".into(), val("a"), &labels(&["AWSCURRENT"]), 0);
        s.add_version("v2".into(), val("b"), &labels(&["AWSPENDING"]), 1);
        s.attach_label(AWSCURRENT, "v2");
        assert_eq!(stages(&s, "v2"), vec!["AWSCURRENT", "AWSPENDING"]);
        assert_eq!(stages(&s, "v1"), vec!["AWSPREVIOUS"]);
    }

    #[test]
    fn deprecated_versions_are_hidden_from_the_stage_map_and_pruned_after_100() {
        let mut s = Secret::new("arn".into(), "n".into(), 0);
        let t0 = 0;
        for i in 0..105 {
            s.add_version(format!("v{i}"), val("x"), &labels(&["AWSCURRENT"]), t0 + i);
        }
        // Young versions are all kept (created in the last 24 hours).
        assert_eq!(s.versions.len(), 105);
        assert_eq!(s.version_ids_to_stages().len(), 2);
        s.add_version(
            "late".into(),
            val("y"),
            &labels(&["AWSCURRENT"]),
            2 * DAY_MS,
        );
        assert_eq!(s.versions.len(), VERSIONS_KEPT);
        assert!(s.versions.contains_key("late"));
        assert!(
            s.versions.contains_key("v104"),
            "AWSPREVIOUS is never pruned"
        );
        assert!(
            !s.versions.contains_key("v0"),
            "the oldest deprecated goes first"
        );
    }

    #[test]
    fn access_day_rounds_to_midnight_and_survives_serde() {
        let d = AccessDay::default();
        assert_eq!(d.get(), None);
        d.touch(1_523_477_145_713);
        assert_eq!(d.get(), Some(1_523_404_800_000));
        let json = serde_json::to_string(&d).unwrap();
        let back: AccessDay = serde_json::from_str(&json).unwrap();
        assert_eq!(back, d);
    }
}
