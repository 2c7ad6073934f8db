//! Use-case tests on both backends with a simulated clock.

use palmgrid_app::{App, AppError, AuditSigner, AuthConfig, RequestCtx, audit, demo};
use palmgrid_domain::clock::ManualClock;
use palmgrid_domain::{Role, Zone, totp};
use palmgrid_store::testing::TestDb;
use palmgrid_store::{AuditFilter, Backend};
use std::sync::Arc;

const T0: i64 = 1_800_000_000_000;

struct Fixture {
    app: App,
    clock: ManualClock,
    db: TestDb,
}

async fn fixture(backend: Backend) -> Option<Fixture> {
    let db = TestDb::new(backend).await?;
    let clock = ManualClock::new(T0);
    let app = App::new(db.store.clone(), Arc::new(clock.clone()), AuthConfig::for_tests(), AuditSigner::ephemeral());
    demo::seed(&app).await.unwrap();
    Some(Fixture { app, clock, db })
}

macro_rules! app_test {
    ($name:ident, |$f:ident| $body:block) => {
        mod $name {
            use super::*;
            #[tokio::test]
            async fn sqlite() {
                let fx = fixture(Backend::Sqlite).await.unwrap();
                {
                    let $f = &fx;
                    $body
                }
                fx.db.cleanup().await;
            }
            #[tokio::test]
            async fn postgres() {
                let Some(fx) = fixture(Backend::Postgres).await else {
                    return;
                };
                {
                    let $f = &fx;
                    $body
                }
                fx.db.cleanup().await;
            }
        }
    };
}

fn ctx() -> RequestCtx {
    RequestCtx { source: "203.0.113.7:5555".into(), listener_zone: Zone::Internet }
}

async fn actions(app: &App) -> Vec<(String, String, String)> {
    let mut v: Vec<_> = app
        .store
        .list_audit(&AuditFilter { limit: 1000, ..Default::default() })
        .await
        .unwrap()
        .into_iter()
        .map(|e| (e.record.action, e.record.actor_name, e.record.result))
        .collect();
    v.reverse();
    v
}

app_test!(six_wrong_then_right_is_refused_and_audited, |f| {
    let app = &f.app;
    let before = actions(app).await.len();
    for i in 1..=6 {
        let err = app.login(&ctx(), "officer", "wrong-password-123", None).await.unwrap_err();
        if i <= 5 {
            assert!(matches!(err, AppError::InvalidCredentials), "attempt {i}: {err:?}");
        } else {
            assert!(matches!(err, AppError::AccountLocked { .. }), "attempt {i}: {err:?}");
        }
    }
    let err = app.login(&ctx(), "officer", demo::DEMO_PASSWORD, None).await.unwrap_err();
    assert!(matches!(err, AppError::AccountLocked { until_ms } if until_ms == T0 + 30 * 60_000));
    let log = actions(app).await.split_off(before);
    let failed = log.iter().filter(|(a, _, r)| a == "auth.login" && r == "failed").count();
    let lockouts = log.iter().filter(|(a, _, _)| a == "auth.lockout").count();
    let denied = log.iter().filter(|(a, _, r)| a == "auth.login" && r == "denied").count();
    assert_eq!((failed, lockouts, denied), (5, 1, 2), "{log:?}");
    // After 30 minutes the right password works again.
    f.clock.advance_ms(30 * 60_000);
    app.login(&ctx(), "officer", demo::DEMO_PASSWORD, None).await.expect("lock expired");
});

app_test!(unknown_user_is_answered_like_a_known_one, |f| {
    let app = &f.app;
    for name in ["officer", "no-such-user"] {
        for _ in 0..5 {
            assert!(matches!(
                app.login(&ctx(), name, "wrong-password-123", None).await,
                Err(AppError::InvalidCredentials)
            ));
        }
        assert!(matches!(
            app.login(&ctx(), name, "wrong-password-123", None).await,
            Err(AppError::AccountLocked { .. })
        ));
    }
});

app_test!(failures_outside_the_window_do_not_lock, |f| {
    let app = &f.app;
    for _ in 0..4 {
        let _ = app.login(&ctx(), "resident", "wrong-password-123", None).await;
    }
    f.clock.advance_ms(15 * 60_000 + 1);
    let _ = app.login(&ctx(), "resident", "wrong-password-123", None).await;
    app.login(&ctx(), "resident", demo::DEMO_PASSWORD, None).await.expect("only one failure in the window");
});

app_test!(sessions_expire_when_idle_and_absolutely, |f| {
    let app = &f.app;
    let out = app.login(&ctx(), "officer", demo::DEMO_PASSWORD, None).await.unwrap();
    f.clock.advance_ms(14 * 60_000);
    app.authenticate(&ctx(), &out.token).await.expect("within idle timeout");
    f.clock.advance_ms(14 * 60_000);
    app.authenticate(&ctx(), &out.token).await.expect("touched 14 min ago");
    f.clock.advance_ms(15 * 60_000);
    assert!(matches!(app.authenticate(&ctx(), &out.token).await, Err(AppError::Unauthenticated)));
    // A resident's session is not idle-limited to 15 min but ends after 12 h.
    let out = app.login(&ctx(), "resident", demo::DEMO_PASSWORD, None).await.unwrap();
    for _ in 0..11 {
        f.clock.advance_ms(3_600_000);
        app.authenticate(&ctx(), &out.token).await.expect("resident active");
    }
    f.clock.advance_ms(3_600_000);
    assert!(matches!(app.authenticate(&ctx(), &out.token).await, Err(AppError::Unauthenticated)));
    // Logout revokes.
    let out = app.login(&ctx(), "officer", demo::DEMO_PASSWORD, None).await.unwrap();
    app.logout(&out.session, &ctx()).await.unwrap();
    assert!(matches!(app.authenticate(&ctx(), &out.token).await, Err(AppError::Unauthenticated)));
});

app_test!(totp_enrolment_gates_admin_and_then_protects_login, |f| {
    let app = &f.app;
    let out = app.login(&ctx(), "admin", demo::DEMO_PASSWORD, None).await.unwrap();
    assert!(out.session.totp_pending, "admin must enrol");
    assert!(matches!(app.list_users(&out.session).await, Err(AppError::TotpEnrolmentRequired)));
    let enrol = app.totp_enroll(&out.session, &ctx()).await.unwrap();
    let secret = data_encoding::BASE32_NOPAD.decode(enrol.secret_base32.as_bytes()).unwrap();
    assert!(matches!(app.totp_confirm(&out.session, &ctx(), "000000").await, Err(AppError::InvalidTotp)));
    let code = totp::code_at(&secret, f.clock_now_s());
    app.totp_confirm(&out.session, &ctx(), &code).await.unwrap();
    let s = app.authenticate(&ctx(), &out.token).await.unwrap();
    assert!(!s.totp_pending);
    app.list_users(&s).await.expect("admin after enrolment");

    assert!(matches!(app.login(&ctx(), "admin", demo::DEMO_PASSWORD, None).await, Err(AppError::TotpRequired)));
    // The code used for confirmation cannot be replayed.
    assert!(matches!(app.login(&ctx(), "admin", demo::DEMO_PASSWORD, Some(&code)).await, Err(AppError::InvalidTotp)));
    f.clock.advance_ms(30_000);
    let code = totp::code_at(&secret, f.clock_now_s());
    app.login(&ctx(), "admin", demo::DEMO_PASSWORD, Some(&code)).await.expect("fresh code");
    // A recovery code works once.
    let rc = enrol.recovery_codes[3].to_uppercase();
    app.login(&ctx(), "admin", demo::DEMO_PASSWORD, Some(&rc)).await.expect("recovery code");
    assert!(app.login(&ctx(), "admin", demo::DEMO_PASSWORD, Some(&rc)).await.is_err());
});

impl Fixture {
    fn clock_now_s(&self) -> i64 {
        use palmgrid_domain::clock::Clock;
        self.clock.now_ms() / 1000
    }
}

app_test!(admin_writes_are_scoped_and_audited, |f| {
    let mut app = f.app.clone();
    app.auth.enforce_totp = false;
    let admin = app.login(&ctx(), "admin", demo::DEMO_PASSWORD, None).await.unwrap().session;
    let new = palmgrid_app::users::NewUser {
        username: "Officer2".into(),
        display_name: "网格员 张伟".into(),
        password: "short".into(),
    };
    assert!(matches!(app.create_user(&admin, &ctx(), &new).await, Err(AppError::Validation(_))));
    let new = palmgrid_app::users::NewUser { password: "officer2".into(), ..new };
    assert!(matches!(app.create_user(&admin, &ctx(), &new).await, Err(AppError::Validation(_))));
    let new = palmgrid_app::users::NewUser { password: "a-long-enough-pass".into(), ..new };
    let u = app.create_user(&admin, &ctx(), &new).await.unwrap();
    assert_eq!(u.username, "officer2");
    assert!(matches!(app.create_user(&admin, &ctx(), &new).await, Err(AppError::Conflict(_))));
    let m = app.grant_role(&admin, &ctx(), &u.id, Role::GridOfficer, Some("430407001001002")).await.unwrap();
    assert_eq!(m.region_name.as_deref(), Some("牛角巷第二网格"));
    // Out of the admin's district, and deployment-wide, are refused.
    app.store
        .insert_region(&palmgrid_store::RegionRow {
            geometry: None,
            area_m2: None,
            id: "other".into(),
            code: "430408".into(),
            name: "蒸湘区".into(),
            level: "district".into(),
            parent_id: None,
            created_ms: 0,
            updated_ms: 0,
        })
        .await
        .unwrap();
    assert!(matches!(
        app.grant_role(&admin, &ctx(), &u.id, Role::GridOfficer, Some("430408")).await,
        Err(AppError::Forbidden)
    ));
    assert!(matches!(app.grant_role(&admin, &ctx(), &u.id, Role::GridOfficer, None).await, Err(AppError::Forbidden)));
    assert!(matches!(app.create_region(&admin, &ctx(), "430409", "root").await, Err(AppError::Forbidden)));
    let r = app.create_region(&admin, &ctx(), "430407003", "青山街道").await.unwrap();
    assert!(matches!(app.create_region(&admin, &ctx(), "430407004001", "孤儿").await, Err(AppError::Validation(_))));
    app.rename_region(&admin, &ctx(), &r.id, "青山街道办").await.unwrap();
    app.delete_region(&admin, &ctx(), &r.id).await.unwrap();
    // The officer sees its own grid and the regions above it, nothing beside it.
    let officer = app.login(&ctx(), "officer", demo::DEMO_PASSWORD, None).await.unwrap().session;
    let codes: Vec<String> = app.list_regions(&officer).await.unwrap().into_iter().map(|r| r.code).collect();
    assert_eq!(codes, ["430407", "430407001", "430407001001", "430407001001001"]);
    assert!(matches!(app.list_users(&officer).await, Err(AppError::Forbidden)));
    let log = actions(&app).await;
    for action in ["user.create", "membership.grant", "region.create", "region.rename", "region.delete"] {
        assert!(log.iter().any(|(a, n, r)| a == action && n == "admin" && r == "ok"), "{action} missing");
    }
    app.revoke_role(&admin, &ctx(), &m.id).await.unwrap();
    app.set_user_disabled(&admin, &ctx(), &u.id, true).await.unwrap();
    assert!(app.login(&ctx(), "officer2", "a-long-enough-pass", None).await.is_err());
});

app_test!(verify_detects_every_column_change_and_deletion, |f| {
    let app = &f.app;
    for _ in 0..3 {
        let _ = app.login(&ctx(), "officer", demo::DEMO_PASSWORD, None).await.unwrap();
    }
    app.checkpoint_now().await.unwrap().expect("checkpoint written");
    let key = app.signer.public_key_hex();
    let report = audit::verify(&app.store, Some(&key)).await.expect("untouched log verifies");
    assert!(report.entries >= 7);
    assert!(audit::verify(&app.store, Some("00")).await.is_err(), "foreign key refused");

    let s = &app.store;
    let drop = match s.backend() {
        Backend::Sqlite => "DROP TRIGGER audit_log_no_update; DROP TRIGGER audit_log_no_delete;",
        Backend::Postgres => "DROP TRIGGER audit_log_append_only ON audit_log;",
    };
    s.execute_raw(drop).await.unwrap();
    // Tamper with each column of entry 3 in turn, check, restore.
    // Every expression yields a value different from the current one.
    let cols = [
        ("ts_ms", "ts_ms + 1"),
        ("actor_id", "COALESCE(actor_id, '') || 'x'"),
        ("actor_name", "actor_name || 'x'"),
        ("actor_role", "actor_role || 'x'"),
        ("source", "source || 'x'"),
        ("action", "action || 'x'"),
        ("target", "target || 'x'"),
        ("result", "result || 'x'"),
        ("details", "details || ' '"),
        ("prev_hash", "'00' || prev_hash"),
        ("hash", "'00' || hash"),
        ("seq", "seq + 100000"),
    ];
    for (col, expr) in cols {
        let orig = s.audit_page(2, 1).await.unwrap().remove(0);
        s.execute_raw(&format!("UPDATE audit_log SET {col} = {expr} WHERE seq = 3")).await.unwrap();
        let err = audit::verify(s, Some(&key)).await.expect_err(&format!("change of {col} undetected"));
        assert!(err.to_string().contains("entry 3") || err.to_string().contains("entry 4"), "{col}: {err}");
        // Restore the original row.
        s.execute_raw("DELETE FROM audit_log WHERE seq = 3 OR seq = 100003").await.unwrap();
        restore(s, &orig).await;
        audit::verify(s, Some(&key)).await.expect("restored");
    }
    s.execute_raw("DELETE FROM audit_log WHERE seq = 4").await.unwrap();
    let err = audit::verify(s, Some(&key)).await.unwrap_err();
    assert!(err.to_string().contains("entry 5"), "{err}");
});

async fn restore(s: &palmgrid_store::Store, e: &palmgrid_domain::audit::AuditEntry) {
    let q = |v: &str| format!("'{}'", v.replace('\'', "''"));
    let r = &e.record;
    let sql = format!(
        "INSERT INTO audit_log (seq, ts_ms, actor_id, actor_name, actor_role, source, action, target, result, details, \
         prev_hash, hash) VALUES ({}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {})",
        e.seq,
        e.ts_ms,
        r.actor_id.as_deref().map(q).unwrap_or("NULL".into()),
        q(&r.actor_name),
        q(&r.actor_role),
        q(&r.source),
        q(&r.action),
        q(&r.target),
        q(&r.result),
        q(&r.details),
        q(&e.prev_hash),
        q(&e.hash)
    );
    s.execute_raw(&sql).await.unwrap();
}
