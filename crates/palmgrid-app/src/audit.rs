//! Recording to the audit chain, signed checkpoints and offline verification.

use crate::{App, AppError, RequestCtx, Result, Session};
use ed25519_dalek::{Signature, Signer, SigningKey, Verifier, VerifyingKey};
use palmgrid_domain::audit::{AuditEntry, AuditRecord, ChainError, ChainVerifier, Checkpoint, checkpoint_message};
use palmgrid_domain::authz::{Action, Resource};
use palmgrid_store::{AuditFilter, Store};
use std::path::Path;
use std::sync::atomic::{AtomicI64, Ordering};

/// A checkpoint is due after this many entries...
pub const CHECKPOINT_EVERY_ENTRIES: i64 = 1000;
/// ...or this long after the last one, if anything was appended since.
pub const CHECKPOINT_EVERY_MS: i64 = 60_000;

/// The Ed25519 key that signs checkpoints, kept in the data directory.
pub struct AuditSigner {
    key: SigningKey,
}

impl AuditSigner {
    pub const FILE_NAME: &'static str = "audit-signing.key";

    /// Loads `DIR/audit-signing.key` (hex), creating it with mode 0600 if missing.
    pub fn load_or_create(dir: &Path) -> std::io::Result<AuditSigner> {
        let path = dir.join(Self::FILE_NAME);
        match std::fs::read_to_string(&path) {
            Ok(text) => {
                let bytes = hex::decode(text.trim())
                    .ok()
                    .and_then(|b| <[u8; 32]>::try_from(b).ok())
                    .ok_or_else(|| std::io::Error::other(format!("{} is not a hex Ed25519 key", path.display())))?;
                Ok(AuditSigner { key: SigningKey::from_bytes(&bytes) })
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                std::fs::create_dir_all(dir)?;
                let key = SigningKey::from_bytes(&crate::random_bytes::<32>());
                write_private(&path, hex::encode(key.to_bytes()).as_bytes())?;
                Ok(AuditSigner { key })
            }
            Err(e) => Err(e),
        }
    }

    pub fn ephemeral() -> AuditSigner {
        AuditSigner { key: SigningKey::from_bytes(&crate::random_bytes::<32>()) }
    }

    pub fn public_key_hex(&self) -> String {
        hex::encode(self.key.verifying_key().to_bytes())
    }

    fn sign(&self, msg: &[u8]) -> String {
        hex::encode(self.key.sign(msg).to_bytes())
    }
}

fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut opts, 0o600);
    opts.open(path)?.write_all(bytes)
}

/// Reads the public key of `DIR/audit-signing.key` without creating it.
pub fn trusted_public_key(dir: &Path) -> Option<String> {
    if !dir.join(AuditSigner::FILE_NAME).exists() {
        return None;
    }
    AuditSigner::load_or_create(dir).ok().map(|s| s.public_key_hex())
}

#[derive(Debug, Default)]
pub(crate) struct CheckpointState {
    /// Appends since the last checkpoint, counted in this process.
    since_last: AtomicI64,
    last_ms: AtomicI64,
}

/// Who did it, for records not tied to a session (logins, CLI).
#[derive(Debug, Clone, Default)]
pub struct Who {
    pub actor_id: Option<String>,
    pub actor_name: String,
    pub actor_role: String,
}

impl From<&Session> for Who {
    fn from(s: &Session) -> Self {
        Who { actor_id: Some(s.user_id.clone()), actor_name: s.username.clone(), actor_role: s.roles_label() }
    }
}

impl App {
    /// Appends one record. Fails closed: if the write fails, the caller must not proceed.
    pub async fn record(
        &self,
        who: &Who,
        ctx: &RequestCtx,
        action: &str,
        target: &str,
        result: &str,
        details: serde_json::Value,
    ) -> Result<AuditEntry> {
        let record = AuditRecord {
            actor_id: who.actor_id.clone(),
            actor_name: who.actor_name.clone(),
            actor_role: who.actor_role.clone(),
            source: ctx.source.clone(),
            action: action.to_owned(),
            target: target.to_owned(),
            result: result.to_owned(),
            details: details.to_string(),
        };
        let entry = self.store.append_audit(self.now_ms(), record).await.map_err(AppError::AuditUnavailable)?;
        if self.checkpoints.since_last.fetch_add(1, Ordering::SeqCst) + 1 >= CHECKPOINT_EVERY_ENTRIES {
            self.checkpoint_now().await?;
        }
        Ok(entry)
    }

    /// Signs the current head of the chain, if there is anything new since the last
    /// checkpoint. Returns the checkpoint written.
    pub async fn checkpoint_now(&self) -> Result<Option<Checkpoint>> {
        let Some((seq, hash)) = self.store.audit_head().await? else {
            return Ok(None);
        };
        self.checkpoints.since_last.store(0, Ordering::SeqCst);
        let now = self.now_ms();
        self.checkpoints.last_ms.store(now, Ordering::SeqCst);
        if self.store.last_checkpoint_seq().await? >= Some(seq) {
            return Ok(None);
        }
        let cp = Checkpoint {
            seq,
            signature: self.signer.sign(&checkpoint_message(seq, &hash, now)),
            hash,
            ts_ms: now,
            public_key: self.signer.public_key_hex(),
        };
        self.store.insert_checkpoint(&cp).await?;
        Ok(Some(cp))
    }

    /// Called periodically: checkpoints when 60 s have passed since the last one.
    pub async fn checkpoint_if_due(&self) -> Result<Option<Checkpoint>> {
        let last = self.checkpoints.last_ms.load(Ordering::SeqCst);
        if self.now_ms() - last >= CHECKPOINT_EVERY_MS {
            return self.checkpoint_now().await;
        }
        Ok(None)
    }

    /// Reads the log (auditors only); the read is itself recorded.
    pub async fn list_audit(
        &self,
        session: &Session,
        ctx: &RequestCtx,
        filter: AuditFilter,
    ) -> Result<Vec<AuditEntry>> {
        self.authorize(session, Action::ReadAudit, &Resource::AuditLog)?;
        let entries = self.store.list_audit(&filter).await?;
        self.record(
            &session.into(),
            ctx,
            "audit.read",
            "audit_log",
            palmgrid_domain::audit::RESULT_OK,
            serde_json::json!({"returned": entries.len()}),
        )
        .await?;
        Ok(entries)
    }
}

/// What `palmgrid audit verify` found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifyReport {
    pub entries: u64,
    pub checkpoints: usize,
    pub last_checkpoint_seq: Option<i64>,
}

#[derive(Debug, thiserror::Error)]
pub enum VerifyError {
    #[error("{0}")]
    Chain(#[from] ChainError),
    #[error("checkpoint at entry {seq} was signed by key {found}, not by this installation's key {trusted}")]
    UntrustedKey { seq: i64, found: String, trusted: String },
    #[error("storage: {0}")]
    Store(#[from] palmgrid_store::StoreError),
}

/// Verifies the whole chain and every checkpoint. With `trusted_key` (hex), every
/// checkpoint must also be signed by that key, so a forger cannot re-sign a rewritten chain.
pub async fn verify(store: &Store, trusted_key: Option<&str>) -> Result<VerifyReport, VerifyError> {
    let mut v = ChainVerifier::default();
    let mut after = 0;
    loop {
        let page = store.audit_page(after, 5000).await?;
        let Some(last) = page.last() else { break };
        after = last.seq;
        for e in &page {
            v.push(e)?;
        }
    }
    let cps = store.checkpoints().await?;
    for cp in &cps {
        v.check_checkpoint(cp)?;
        let bad = || ChainError::BadSignature { seq: cp.seq };
        let key_bytes: [u8; 32] = hex::decode(&cp.public_key).ok().and_then(|b| b.try_into().ok()).ok_or_else(bad)?;
        let sig_bytes: [u8; 64] = hex::decode(&cp.signature).ok().and_then(|b| b.try_into().ok()).ok_or_else(bad)?;
        let key = VerifyingKey::from_bytes(&key_bytes).map_err(|_| bad())?;
        key.verify(&checkpoint_message(cp.seq, &cp.hash, cp.ts_ms), &Signature::from_bytes(&sig_bytes))
            .map_err(|_| bad())?;
        if let Some(trusted) = trusted_key
            && trusted != cp.public_key
        {
            return Err(VerifyError::UntrustedKey {
                seq: cp.seq,
                found: cp.public_key.clone(),
                trusted: trusted.into(),
            });
        }
    }
    Ok(VerifyReport { entries: v.entries, checkpoints: cps.len(), last_checkpoint_seq: cps.last().map(|c| c.seq) })
}
