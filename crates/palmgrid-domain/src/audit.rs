//! The audit chain: each entry commits to the previous one by SHA-256, and signed
//! checkpoints commit to the chain's head, so that changing, deleting, reordering or
//! truncating entries is detected by [`verify_chain`].

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// `prev_hash` of the first entry.
pub const GENESIS_HASH: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// Outcome of the audited action.
pub const RESULT_OK: &str = "ok";
pub const RESULT_DENIED: &str = "denied";
pub const RESULT_FAILED: &str = "failed";

/// What is recorded, before it gets a place in the chain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct AuditRecord {
    /// The acting user's id, if known.
    pub actor_id: Option<String>,
    /// The user name as given (also for failed logins of unknown names).
    pub actor_name: String,
    /// The actor's roles, comma separated.
    pub actor_role: String,
    /// Source address of the request.
    pub source: String,
    /// Dotted action name, e.g. `auth.login`, `user.create`.
    pub action: String,
    /// What was acted upon, e.g. `user:UUID`, `region:430407`.
    pub target: String,
    /// `ok`, `denied` or `failed`.
    pub result: String,
    /// JSON object with action-specific detail. Never holds secrets.
    pub details: String,
}

/// An entry in the chain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditEntry {
    pub seq: i64,
    pub ts_ms: i64,
    pub record: AuditRecord,
    pub prev_hash: String,
    pub hash: String,
}

fn put(h: &mut Sha256, field: &[u8]) {
    h.update((field.len() as u64).to_be_bytes());
    h.update(field);
}

/// SHA-256 over every column, each length-prefixed so that no two different entries
/// serialise to the same bytes.
pub fn entry_hash(seq: i64, ts_ms: i64, r: &AuditRecord, prev_hash: &str) -> String {
    let mut h = Sha256::new();
    h.update(b"palmgrid-audit-v1");
    put(&mut h, &seq.to_be_bytes());
    put(&mut h, &ts_ms.to_be_bytes());
    match &r.actor_id {
        Some(id) => {
            h.update([1]);
            put(&mut h, id.as_bytes());
        }
        None => h.update([0]),
    }
    for field in [&r.actor_name, &r.actor_role, &r.source, &r.action, &r.target, &r.result, &r.details] {
        put(&mut h, field.as_bytes());
    }
    put(&mut h, prev_hash.as_bytes());
    hex::encode(h.finalize())
}

/// Builds the entry that follows `prev` (`None` for the first).
pub fn next_entry(prev: Option<(i64, &str)>, ts_ms: i64, record: AuditRecord) -> AuditEntry {
    let (seq, prev_hash) = match prev {
        Some((seq, hash)) => (seq + 1, hash.to_owned()),
        None => (1, GENESIS_HASH.to_owned()),
    };
    let hash = entry_hash(seq, ts_ms, &record, &prev_hash);
    AuditEntry { seq, ts_ms, record, prev_hash, hash }
}

/// The bytes a checkpoint signature covers.
pub fn checkpoint_message(seq: i64, hash: &str, ts_ms: i64) -> Vec<u8> {
    format!("palmgrid-audit-checkpoint-v1\n{seq}\n{hash}\n{ts_ms}\n").into_bytes()
}

/// A signed statement "the chain up to `seq` ends in `hash`".
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Checkpoint {
    pub seq: i64,
    pub hash: String,
    pub ts_ms: i64,
    /// Hex Ed25519 signature over [`checkpoint_message`].
    pub signature: String,
    /// Hex Ed25519 public key that made it.
    pub public_key: String,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ChainError {
    #[error("entry {seq}: stored hash does not match its contents")]
    HashMismatch { seq: i64 },
    #[error("entry {seq}: prev_hash does not match the hash of the entry before it")]
    BrokenLink { seq: i64 },
    #[error("entry {seq}: expected sequence number {expected} (an entry is missing or out of order)")]
    Gap { seq: i64, expected: i64 },
    #[error("checkpoint at entry {seq}: the chain {found}")]
    CheckpointMismatch { seq: i64, found: String },
    #[error("checkpoint at entry {seq}: signature is not valid")]
    BadSignature { seq: i64 },
}

impl ChainError {
    /// The first entry found bad.
    pub fn seq(&self) -> i64 {
        match self {
            ChainError::HashMismatch { seq }
            | ChainError::BrokenLink { seq }
            | ChainError::Gap { seq, .. }
            | ChainError::CheckpointMismatch { seq, .. }
            | ChainError::BadSignature { seq } => *seq,
        }
    }
}

/// Incremental verifier: feed entries in sequence order, then checkpoints.
#[derive(Debug, Default)]
pub struct ChainVerifier {
    last: Option<(i64, String)>,
    /// seq → hash of every entry seen; only checkpointed seqs are looked up, but keeping
    /// all is simplest and costs 72 bytes per entry.
    hashes: std::collections::HashMap<i64, String>,
    pub entries: u64,
}

impl ChainVerifier {
    pub fn push(&mut self, e: &AuditEntry) -> Result<(), ChainError> {
        let (expected_seq, expected_prev) = match &self.last {
            Some((seq, hash)) => (seq + 1, hash.as_str()),
            None => (1, GENESIS_HASH),
        };
        if e.seq != expected_seq {
            return Err(ChainError::Gap { seq: e.seq, expected: expected_seq });
        }
        if e.hash != entry_hash(e.seq, e.ts_ms, &e.record, &e.prev_hash) {
            return Err(ChainError::HashMismatch { seq: e.seq });
        }
        if e.prev_hash != expected_prev {
            return Err(ChainError::BrokenLink { seq: e.seq });
        }
        self.last = Some((e.seq, e.hash.clone()));
        self.hashes.insert(e.seq, e.hash.clone());
        self.entries += 1;
        Ok(())
    }

    /// Checks a checkpoint against the entries seen. The signature is checked by the
    /// caller (this crate does no cryptography beyond hashing).
    pub fn check_checkpoint(&self, c: &Checkpoint) -> Result<(), ChainError> {
        match self.hashes.get(&c.seq) {
            Some(h) if *h == c.hash => Ok(()),
            Some(_) => Err(ChainError::CheckpointMismatch { seq: c.seq, found: "has a different hash there".into() }),
            None => Err(ChainError::CheckpointMismatch {
                seq: c.seq,
                found: "ends before it (entries were removed from the tail)".into(),
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rec(action: &str) -> AuditRecord {
        AuditRecord {
            actor_id: None,
            actor_name: "admin".into(),
            actor_role: "district_admin".into(),
            source: "127.0.0.1".into(),
            action: action.into(),
            target: "user:x".into(),
            result: RESULT_OK.into(),
            details: "{}".into(),
        }
    }

    fn chain(n: usize) -> Vec<AuditEntry> {
        let mut v: Vec<AuditEntry> = Vec::new();
        for i in 0..n {
            let prev = v.last().map(|e| (e.seq, e.hash.as_str()));
            let e = next_entry(prev, 1000 + i as i64, rec(&format!("a{i}")));
            v.push(e);
        }
        v
    }

    fn verify(entries: &[AuditEntry]) -> Result<(), ChainError> {
        let mut v = ChainVerifier::default();
        entries.iter().try_for_each(|e| v.push(e))
    }

    #[test]
    fn intact_chain_verifies() {
        assert_eq!(verify(&chain(5)), Ok(()));
    }

    #[test]
    fn every_field_change_is_detected_at_its_entry() {
        let good = chain(4);
        type Mutation = Box<dyn Fn(&mut AuditEntry)>;
        let mutations: Vec<Mutation> = vec![
            Box::new(|e| e.ts_ms += 1),
            Box::new(|e| e.record.actor_id = Some("x".into())),
            Box::new(|e| e.record.actor_name.push('x')),
            Box::new(|e| e.record.actor_role.push('x')),
            Box::new(|e| e.record.source.push('x')),
            Box::new(|e| e.record.action.push('x')),
            Box::new(|e| e.record.target.push('x')),
            Box::new(|e| e.record.result = RESULT_DENIED.into()),
            Box::new(|e| e.record.details = "{\"a\":1}".into()),
            Box::new(|e| e.prev_hash = GENESIS_HASH.into()),
            Box::new(|e| e.hash = GENESIS_HASH.into()),
        ];
        for (i, m) in mutations.iter().enumerate() {
            let mut c = good.clone();
            m(&mut c[2]);
            let err = verify(&c).expect_err(&format!("mutation {i} undetected"));
            assert_eq!(err.seq(), 3, "mutation {i}: {err}");
        }
    }

    #[test]
    fn deletion_and_reorder_are_detected() {
        let mut c = chain(5);
        c.remove(2);
        assert_eq!(verify(&c), Err(ChainError::Gap { seq: 4, expected: 3 }));
        let mut c = chain(5);
        c.swap(1, 2);
        assert_eq!(verify(&c).unwrap_err().seq(), 3);
    }

    #[test]
    fn rehashed_forgery_after_deletion_is_caught_by_checkpoint() {
        // An attacker deletes entry 3 and re-hashes the rest: the chain itself is
        // consistent again, but the checkpoint over entry 5 no longer matches.
        let good = chain(5);
        let cp = Checkpoint {
            seq: 5,
            hash: good[4].hash.clone(),
            ts_ms: 0,
            signature: String::new(),
            public_key: String::new(),
        };
        let mut forged: Vec<AuditEntry> = Vec::new();
        for e in good.iter().filter(|e| e.seq != 3) {
            let prev = forged.last().map(|e| (e.seq, e.hash.as_str()));
            forged.push(next_entry(prev, e.ts_ms, e.record.clone()));
        }
        let mut v = ChainVerifier::default();
        forged.iter().try_for_each(|e| v.push(e)).unwrap();
        assert!(matches!(v.check_checkpoint(&cp), Err(ChainError::CheckpointMismatch { seq: 5, .. })));
        // Truncating the tail also fails the checkpoint.
        let mut v = ChainVerifier::default();
        good[..3].iter().try_for_each(|e| v.push(e)).unwrap();
        assert!(v.check_checkpoint(&cp).is_err());
    }
}
