//! Storage conformance suite: every test runs on SQLite and on PostgreSQL.

use palmgrid_domain::audit::{AuditRecord, ChainVerifier, Checkpoint};
use palmgrid_store::{AuditFilter, RegionRow, SessionRow, Store, StoreError, UserRow, both_backends};

fn user(id: &str, name: &str) -> UserRow {
    UserRow {
        id: id.into(),
        username: name.into(),
        display_name: format!("{name} 显示名"),
        password_hash: "$argon2id$fake".into(),
        disabled: false,
        totp_secret: None,
        totp_enabled: false,
        totp_last_step: None,
        created_ms: 1,
        updated_ms: 1,
    }
}

fn region(id: &str, code: &str, level: &str, parent: Option<&str>) -> RegionRow {
    RegionRow {
        geometry: None,
        area_m2: None,
        id: id.into(),
        code: code.into(),
        name: format!("区域{code}"),
        level: level.into(),
        parent_id: parent.map(Into::into),
        created_ms: 5,
        updated_ms: 5,
    }
}

fn rec(action: &str, name: &str) -> AuditRecord {
    AuditRecord {
        actor_id: None,
        actor_name: name.into(),
        actor_role: "".into(),
        source: "127.0.0.1".into(),
        action: action.into(),
        target: "t".into(),
        result: "ok".into(),
        details: "{}".into(),
    }
}

both_backends!(users_round_trip_and_conflict, |s: Store| async move {
    let mut u = user("u1", "alice");
    u.totp_secret = Some(vec![0, 1, 2, 255]);
    s.insert_user(&u).await.unwrap();
    assert_eq!(s.user_by_username("alice").await.unwrap(), Some(u.clone()));
    assert_eq!(s.user_by_id("u1").await.unwrap(), Some(u.clone()));
    assert!(matches!(s.insert_user(&user("u2", "alice")).await, Err(StoreError::Conflict(_))));
    assert_eq!(s.count_users().await.unwrap(), 1);
    s.update_password("u1", "h2", 9).await.unwrap();
    s.set_user_disabled("u1", true, 10).await.unwrap();
    let got = s.user_by_id("u1").await.unwrap().unwrap();
    assert_eq!((got.password_hash.as_str(), got.disabled, got.updated_ms), ("h2", true, 10));
    assert!(matches!(s.update_password("nope", "h", 1).await, Err(StoreError::NotFound)));
});

both_backends!(memberships_join_their_region, |s: Store| async move {
    s.insert_user(&user("u1", "bob")).await.unwrap();
    s.insert_region(&region("r1", "430407", "district", None)).await.unwrap();
    s.insert_membership("m1", "u1", "grid_officer", Some("r1"), 3).await.unwrap();
    s.insert_membership("m2", "u1", "auditor", None, 4).await.unwrap();
    let ms = s.memberships_of("u1").await.unwrap();
    assert_eq!(ms.len(), 2);
    assert_eq!(ms[0].region_code.as_deref(), Some("430407"));
    assert_eq!(ms[0].region_name.as_deref(), Some("区域430407"));
    assert_eq!(ms[1].region_id, None);
    assert_eq!(s.count_role_holders("auditor").await.unwrap(), 1);
    let removed = s.delete_membership("m2").await.unwrap();
    assert_eq!(removed.role, "auditor");
    assert_eq!(s.count_role_holders("auditor").await.unwrap(), 0);
    assert!(matches!(s.delete_membership("m2").await, Err(StoreError::NotFound)));
});

both_backends!(regions_tree_rules, |s: Store| async move {
    s.insert_region(&region("d", "430407", "district", None)).await.unwrap();
    s.insert_region(&region("st", "430407001", "street", Some("d"))).await.unwrap();
    assert!(matches!(
        s.insert_region(&region("x", "430407001", "street", Some("d"))).await,
        Err(StoreError::Conflict(_))
    ));
    assert_eq!(s.region_by_code("430407001").await.unwrap().unwrap().id, "st");
    let all = s.list_regions().await.unwrap();
    assert_eq!(all.iter().map(|r| r.code.as_str()).collect::<Vec<_>>(), ["430407", "430407001"]);
    assert!(matches!(s.delete_region("d").await, Err(StoreError::Conflict(_))));
    s.rename_region("st", "人民路街道", 7).await.unwrap();
    assert_eq!(s.region("st").await.unwrap().unwrap().name, "人民路街道");
    s.delete_region("st").await.unwrap();
    s.delete_region("d").await.unwrap();
    assert!(s.list_regions().await.unwrap().is_empty());
});

both_backends!(sessions_expire_and_revoke, |s: Store| async move {
    s.insert_user(&user("u1", "carol")).await.unwrap();
    let sess = |h: &str, expires| SessionRow {
        token_hash: h.into(),
        user_id: "u1".into(),
        created_ms: 0,
        last_seen_ms: 0,
        expires_ms: expires,
        idle_timeout_ms: 100,
        mfa_ok: true,
        source: "::1".into(),
    };
    s.insert_session(&sess("a", 1000)).await.unwrap();
    s.insert_session(&sess("b", 1000)).await.unwrap();
    s.touch_session("a", 90).await.unwrap();
    // At 150 "b" is idle past 100 ms, "a" was seen at 90.
    assert_eq!(s.purge_sessions(150).await.unwrap(), 1);
    assert_eq!(s.session("a").await.unwrap().unwrap().last_seen_ms, 90);
    assert!(s.session("b").await.unwrap().is_none());
    s.set_session_mfa("a", false).await.unwrap();
    assert!(!s.session("a").await.unwrap().unwrap().mfa_ok);
    assert_eq!(s.delete_sessions_of("u1").await.unwrap(), 1);
});

both_backends!(login_failures_and_lockouts, |s: Store| async move {
    for i in 0..3 {
        s.record_login_failure("eve", 100 + i, 0).await.unwrap();
    }
    assert_eq!(s.record_login_failure("eve", 200, 101).await.unwrap(), 3, "only failures since 101 count");
    assert_eq!(s.record_login_failure("other", 200, 0).await.unwrap(), 1);
    s.lock_username("eve", 500).await.unwrap();
    assert_eq!(s.locked_until("eve", 499).await.unwrap(), Some(500));
    assert_eq!(s.locked_until("eve", 500).await.unwrap(), None);
    s.lock_username("eve", 900).await.unwrap();
    assert_eq!(s.locked_until("eve", 600).await.unwrap(), Some(900));
    s.unlock_username("eve").await.unwrap();
    assert_eq!(s.locked_until("eve", 600).await.unwrap(), None);
    assert_eq!(s.record_login_failure("eve", 700, 0).await.unwrap(), 1);
});

both_backends!(audit_chain_appends_and_is_append_only, |s: Store| async move {
    let mut handles = Vec::new();
    for i in 0..20 {
        let s = s.clone();
        handles.push(tokio::spawn(async move { s.append_audit(i, rec(&format!("auth.login.{i}"), "x")).await }));
    }
    for h in handles {
        h.await.unwrap().unwrap();
    }
    let mut v = ChainVerifier::default();
    let page = s.audit_page(0, 100).await.unwrap();
    assert_eq!(page.len(), 20);
    page.iter().try_for_each(|e| v.push(e)).expect("chain intact under concurrent appends");
    assert_eq!(s.audit_head().await.unwrap().unwrap().0, 20);

    assert!(s.execute_raw("UPDATE audit_log SET result = 'denied' WHERE seq = 3").await.is_err());
    assert!(s.execute_raw("DELETE FROM audit_log WHERE seq = 3").await.is_err());

    s.append_audit(100, rec("user.create", "admin")).await.unwrap();
    let f = AuditFilter { actor_name: Some("admin".into()), limit: 10, ..Default::default() };
    let got = s.list_audit(&f).await.unwrap();
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].record.action, "user.create");
    let f = AuditFilter { action_prefix: Some("auth.".into()), since_ms: Some(10), limit: 5, ..Default::default() };
    let got = s.list_audit(&f).await.unwrap();
    assert_eq!(got.iter().map(|e| e.seq).collect::<Vec<_>>(), [20, 19, 18, 17, 16]);
    let f = AuditFilter { before_seq: Some(16), since_ms: Some(10), limit: 100, ..Default::default() };
    assert_eq!(s.list_audit(&f).await.unwrap().len(), 5);
    // `_` and `%` in a prefix are themselves, not wildcards.
    s.append_audit(101, rec("camera.privacy_mask", "admin")).await.unwrap();
    s.append_audit(102, rec("camera.privacyXmask", "admin")).await.unwrap();
    let prefix = |p: &str| AuditFilter { action_prefix: Some(p.into()), limit: 10, ..Default::default() };
    let got = s.list_audit(&prefix("camera.privacy_")).await.unwrap();
    assert_eq!(got.iter().map(|e| e.record.action.as_str()).collect::<Vec<_>>(), ["camera.privacy_mask"]);
    assert!(s.list_audit(&prefix("camera.%")).await.unwrap().is_empty());

    let cp = Checkpoint { seq: 23, hash: "h".into(), ts_ms: 1, signature: "s".into(), public_key: "k".into() };
    s.insert_checkpoint(&cp).await.unwrap();
    s.insert_checkpoint(&cp).await.unwrap();
    assert_eq!(s.checkpoints().await.unwrap(), vec![cp]);
    assert_eq!(s.last_checkpoint_seq().await.unwrap(), Some(23));
});

both_backends!(cameras_and_credentials, |s: Store| async move {
    s.insert_region(&region("g", "430407001001001", "grid", None)).await.unwrap();
    let mut cam = palmgrid_store::CameraRow {
        id: "c1".into(),
        name: "牛角巷口".into(),
        grid_id: Some("g".into()),
        grid_code: Some("430407001001001".into()),
        zone: "government".into(),
        lon: Some(112.6071),
        lat: Some(26.9012),
        main_url: "rtsp://10.0.0.5/main".into(),
        sub_url: Some("rtsp://10.0.0.5/sub".into()),
        transport: "tcp".into(),
        record: true,
        retain_days: 30,
        quota_mb: Some(512),
        created_ms: 1,
        updated_ms: 1,
    };
    s.insert_camera(&cam, Some(("admin", "s3cret"))).await.unwrap();
    assert_eq!(s.camera("c1").await.unwrap(), Some(cam.clone()));
    assert_eq!(s.camera_credentials("c1").await.unwrap(), Some(("admin".into(), "s3cret".into())));
    cam.name = "牛角巷北口".into();
    cam.lon = None;
    s.update_camera(&cam, None).await.unwrap();
    assert_eq!(s.camera_credentials("c1").await.unwrap().unwrap().1, "s3cret", "kept when not given");
    s.update_camera(&cam, Some(None)).await.unwrap();
    assert_eq!(s.camera_credentials("c1").await.unwrap(), None);
    assert_eq!(s.list_cameras().await.unwrap(), vec![cam.clone()]);
    s.delete_camera("c1").await.unwrap();
    assert!(matches!(s.delete_camera("c1").await, Err(StoreError::NotFound)));
});

both_backends!(recordings_index_and_garbage, |s: Store| async move {
    use palmgrid_store::{RecordingProgress, VideoParamsRow};
    let params = VideoParamsRow {
        codec: "h264".into(),
        rfc6381: "avc1.42C01E".into(),
        width: 640,
        height: 360,
        sps: vec![0x67, 1, 2],
        pps: vec![0x68, 3],
        hvcc: None,
    };
    let a = s.insert_recording("c1", "main", 1_000, &params, "boot-1").await.unwrap();
    let b = s.insert_recording("c1", "main", 61_000, &params, "boot-1").await.unwrap();
    let other = s.insert_recording("c2", "main", 1_000, &params, "").await.unwrap();
    assert!(a < b, "ids grow");
    let boots: Vec<String> = s.open_recordings().await.unwrap().into_iter().map(|r| r.boot_id).collect();
    assert_eq!(boots, ["boot-1", "boot-1", ""], "a new row says which boot writes it");
    // Empty (open, no frames) rows are not playable yet.
    assert!(s.recordings_between("c1", "main", 0, 200_000).await.unwrap().is_empty());
    let index = vec![1u8, 2, 3, 4];
    let progress = |end_ms, open| RecordingProgress {
        end_ms,
        duration_90k: (end_ms - 1_000) * 90,
        frames: 1500,
        bytes: 4096,
        sample_index: &index,
        open,
        synced_bytes: 2048,
        boot_id: "boot-1",
    };
    s.update_recording(a, progress(61_000, false)).await.unwrap();
    s.update_recording(b, RecordingProgress { duration_90k: 90_000, ..progress(62_000, true) }).await.unwrap();
    s.update_recording(other, progress(61_000, true)).await.unwrap();
    assert!(matches!(s.update_recording(999_999, progress(1, true)).await, Err(StoreError::NotFound)));
    // The group commit: several rows in one transaction, unknown ids reported, the rest kept.
    let missing = s.update_recordings(&[(a, progress(61_000, false)), (999_999, progress(1, true))]).await.unwrap();
    assert_eq!(missing, vec![999_999]);
    // More rows than one statement takes: split, and every unknown id still reported.
    let mut many: Vec<(i64, RecordingProgress<'_>)> = (0..700).map(|k| (1_000_000 + k, progress(1, true))).collect();
    many.insert(350, (a, progress(61_000, false)));
    let missing = s.update_recordings(&many).await.unwrap();
    assert_eq!(missing.len(), 700);
    assert!(!missing.contains(&a));

    let rows = s.recordings_between("c1", "main", 30_000, 61_500).await.unwrap();
    assert_eq!(rows.iter().map(|r| r.id).collect::<Vec<_>>(), vec![a, b]);
    assert_eq!(rows[0].sample_index, index);
    assert_eq!(rows[0].params, params);
    assert!(!rows[0].open && rows[1].open);
    assert_eq!((rows[0].synced_bytes, rows[0].boot_id.as_str()), (2048, "boot-1"));
    assert_eq!(s.recordings_between("c1", "main", 61_000, 70_000).await.unwrap().len(), 1, "end is exclusive");
    assert!(s.recordings_between("c1", "sub", 0, 70_000).await.unwrap().is_empty());
    assert_eq!(s.recording_spans("c1", 0, 1_000_000).await.unwrap().len(), 2);
    assert_eq!(s.open_recordings().await.unwrap().iter().map(|r| r.id).collect::<Vec<_>>(), vec![b, other]);
    assert_eq!(s.recorded_bytes("c1").await.unwrap(), 8192);
    assert_eq!(s.recorded_cameras().await.unwrap(), vec!["c1".to_string(), "c2".to_string()]);
    // Only closed recordings age out.
    let old = s.recordings_ended_before("c1", 100_000, 0, 10).await.unwrap();
    assert_eq!(old.iter().map(|r| r.id).collect::<Vec<_>>(), vec![a]);

    s.delete_recordings(&[(a, "c1".into())]).await.unwrap();
    assert_eq!(s.camera_recordings("c1").await.unwrap().iter().map(|r| r.id).collect::<Vec<_>>(), vec![b]);
    assert_eq!(s.recording_garbage().await.unwrap(), vec![(a, "c1".to_string())]);
    s.clear_recording_garbage(&[a]).await.unwrap();
    assert!(s.recording_garbage().await.unwrap().is_empty());
});

both_backends!(audit_appends_succeed_while_the_recorder_writes, |s: Store| async move {
    // The recorder updates its index about once a second per camera; audit appends (read the
    // head, then insert) must not fail with "database is locked" beside those writes.
    let params = palmgrid_store::VideoParamsRow {
        codec: "h264".into(),
        rfc6381: "avc1.42C01E".into(),
        width: 640,
        height: 360,
        sps: vec![0x67],
        pps: vec![0x68],
        hvcc: None,
    };
    let mut writers = Vec::new();
    for cam in 0..4 {
        let s = s.clone();
        let params = params.clone();
        writers.push(tokio::spawn(async move {
            let id = s.insert_recording(&format!("c{cam}"), "main", 0, &params, "").await.unwrap();
            let index = vec![0u8; 6000];
            for i in 0..60i64 {
                let p = palmgrid_store::RecordingProgress {
                    end_ms: i,
                    duration_90k: i * 90,
                    frames: i,
                    bytes: i,
                    sample_index: &index,
                    open: true,
                    synced_bytes: i,
                    boot_id: "",
                };
                s.update_recording(id, p).await.unwrap();
            }
        }));
    }
    let mut appends = Vec::new();
    for i in 0..40 {
        let s = s.clone();
        appends.push(tokio::spawn(async move { s.append_audit(i, rec("video.live", "x")).await }));
    }
    for a in appends {
        a.await.unwrap().expect("audit append beside recorder writes");
    }
    for w in writers {
        w.await.unwrap();
    }
    assert_eq!(s.audit_head().await.unwrap().unwrap().0, 40);
});

both_backends!(region_import_writes_all_or_nothing, |s: Store| async move {
    use palmgrid_store::{RegionImport, UnitGridRow};
    let poly = |x: f64| {
        format!(r#"{{"type":"Polygon","coordinates":[[[{x},0],[{},0],[{},1],[{x},1],[{x},0]]]}}"#, x + 1.0, x + 1.0)
    };
    s.insert_region(&region("d", "430407", "district", None)).await.unwrap();
    let mut community = region("c", "430407001001", "community", Some("d"));
    community.geometry = Some(poly(0.0));
    community.area_m2 = Some(12_345.5);
    let unit = UnitGridRow {
        id: "u".into(),
        code: "430407001001001".into(),
        name: "单元01".into(),
        community_id: "c".into(),
        geometry: poly(0.0),
        area_m2: 10_000.0,
        created_ms: 5,
        updated_ms: 5,
    };
    s.apply_region_import(&RegionImport {
        insert_regions: std::slice::from_ref(&community),
        insert_units: std::slice::from_ref(&unit),
        ..Default::default()
    })
    .await
    .unwrap();
    assert_eq!(s.region("c").await.unwrap().unwrap(), community, "geometry and area round-trip");
    assert_eq!(s.list_unit_grids().await.unwrap(), std::slice::from_ref(&unit));
    // A unit grid may share a governance grid's code: the layers are separate.
    let mut grid = region("g", "430407001001001", "grid", Some("c"));
    grid.geometry = Some(poly(0.5));
    // One bad row (a second unit grid with the same code) undoes the whole import.
    let dup = UnitGridRow { id: "u2".into(), ..unit.clone() };
    let err = s
        .apply_region_import(&RegionImport {
            insert_regions: std::slice::from_ref(&grid),
            insert_units: std::slice::from_ref(&dup),
            ..Default::default()
        })
        .await;
    assert!(matches!(err, Err(StoreError::Conflict(_))), "{err:?}");
    assert!(s.region("g").await.unwrap().is_none(), "nothing of a failed import stays");
    s.apply_region_import(&RegionImport { insert_regions: std::slice::from_ref(&grid), ..Default::default() })
        .await
        .unwrap();
    let mut moved = community.clone();
    moved.name = "新社区".into();
    moved.geometry = Some(poly(2.0));
    moved.updated_ms = 99;
    let unit2 = UnitGridRow { name: "单元一".into(), updated_ms: 99, ..unit.clone() };
    s.apply_region_import(&RegionImport {
        update_regions: std::slice::from_ref(&moved),
        update_units: std::slice::from_ref(&unit2),
        ..Default::default()
    })
    .await
    .unwrap();
    let got = s.region("c").await.unwrap().unwrap();
    assert_eq!((got.name.as_str(), got.geometry.as_deref(), got.updated_ms), ("新社区", moved.geometry.as_deref(), 99));
    assert_eq!(got.created_ms, community.created_ms);
    assert_eq!(s.list_unit_grids().await.unwrap()[0].name, "单元一");
    // A community with unit grids cannot be deleted.
    assert!(matches!(s.delete_region("c").await, Err(StoreError::Conflict(_))));
    // Responsible people by region: enabled holders only.
    s.insert_user(&user("u1", "li")).await.unwrap();
    s.insert_user(&user("u2", "wang")).await.unwrap();
    s.insert_membership("m1", "u1", "grid_officer", Some("g"), 1).await.unwrap();
    s.insert_membership("m2", "u2", "grid_officer", Some("g"), 1).await.unwrap();
    s.insert_membership("m3", "u2", "resident", Some("c"), 1).await.unwrap();
    s.set_user_disabled("u2", true, 2).await.unwrap();
    let staff = s.role_holders_by_region(&["grid_officer", "community_secretary"]).await.unwrap();
    assert_eq!(staff, [("g".to_owned(), "grid_officer".to_owned(), "u1".to_owned(), "li 显示名".to_owned())]);
});

fn case_row(id: &str, number: &str, category: &str, created_ms: i64) -> palmgrid_store::CaseRow {
    palmgrid_store::CaseRow {
        id: id.into(),
        number: number.into(),
        version: 1,
        source: "patrol".into(),
        category: category.into(),
        state: "reported".into(),
        description: "路边有暴露垃圾".into(),
        address: Some("牛角巷 12 号".into()),
        lon: Some(112.61),
        lat: Some(26.9),
        grid_id: Some("g".into()),
        grid_code: Some("430407001001001".into()),
        camera_id: None,
        reporter_id: Some("u1".into()),
        reporter_name: "officer".into(),
        contact: None,
        api_key_id: None,
        lead_department: None,
        assisting_departments: String::new(),
        extension_pending: false,
        extension_until_ms: None,
        rating: None,
        merged_into: None,
        stage_started_ms: Some(created_ms),
        stage_deadline_ms: Some(created_ms + 3_600_000),
        timer: "on_time".into(),
        handle_deadline_ms: None,
        close_deadline_ms: None,
        registered_ms: None,
        closed_ms: None,
        created_ms,
        updated_ms: created_ms,
    }
}

fn case_event(case_id: &str, action: &str, to: &str, at_ms: i64) -> palmgrid_store::CaseEventRow {
    palmgrid_store::CaseEventRow {
        id: 0,
        case_id: case_id.into(),
        action: action.into(),
        from_state: None,
        to_state: to.into(),
        actor_id: Some("u1".into()),
        actor_name: "officer".into(),
        actor_role: "grid_officer".into(),
        reason: None,
        details: "{}".into(),
        at_ms,
    }
}

both_backends!(cases_write_in_one_transaction_with_optimistic_versions, |s: Store| async move {
    use palmgrid_store::{CaseFilter, CaseWrite, EvidenceRow, HoldRow, NewEvidence, NotificationRow};
    s.insert_user(&user("u1", "officer")).await.unwrap();
    s.insert_region(&region("g", "430407001001001", "grid", None)).await.unwrap();
    let c = case_row("c1", "202612050001", "E0101", 1_000);
    let photo = NewEvidence {
        row: EvidenceRow {
            id: "e1".into(),
            case_id: "c1".into(),
            kind: "photo".into(),
            stage: "report".into(),
            sha256: "ab".repeat(32),
            media_type: "image/jpeg".into(),
            bytes: 3,
            camera_id: None,
            start_ms: None,
            end_ms: None,
            note: None,
            added_by: Some("u1".into()),
            added_ms: 1_000,
        },
        content: Some(vec![0xff, 0xd8, 0xff]),
    };
    let note = NotificationRow {
        id: 0,
        user_id: "u1".into(),
        case_id: Some("c1".into()),
        kind: "act".into(),
        title: "请核实".into(),
        created_ms: 1_000,
        read_ms: None,
        subject: Some("service_request:s1".into()),
    };
    s.write_case(&CaseWrite {
        case: Some(&c),
        events: &[case_event("c1", "report", "reported", 1_000)],
        evidence: std::slice::from_ref(&photo),
        notifications: &[note.clone(), NotificationRow { title: "第二条".into(), ..note.clone() }],
        ..Default::default()
    })
    .await
    .unwrap();
    assert_eq!(s.case("c1").await.unwrap().unwrap(), c);
    // The same number again is a conflict, and writes none of the rest.
    let dup = case_row("c2", "202612050001", "E0101", 2_000);
    let r = s
        .write_case(&CaseWrite {
            case: Some(&dup),
            events: &[case_event("c2", "report", "reported", 2_000)],
            ..Default::default()
        })
        .await;
    assert!(matches!(r, Err(StoreError::Conflict(_))), "{r:?}");
    assert!(s.case("c2").await.unwrap().is_none());
    assert_eq!(s.count_case_numbers("20261205").await.unwrap(), 1);

    // An update names the version it read; a stale one changes nothing.
    let registered =
        palmgrid_store::CaseRow { version: 2, state: "registered".into(), registered_ms: Some(5_000), ..c.clone() };
    let hold = HoldRow {
        id: "h1".into(),
        camera_id: "cam".into(),
        start_ms: 10_000,
        end_ms: 70_000,
        owner: "case:c1".into(),
        until_ms: None,
        created_ms: 5_000,
    };
    let write = CaseWrite {
        case: Some(&registered),
        expected_version: Some(1),
        events: &[case_event("c1", "register", "registered", 5_000)],
        holds: std::slice::from_ref(&hold),
        ..Default::default()
    };
    s.write_case(&write).await.unwrap();
    assert!(matches!(s.write_case(&write).await, Err(StoreError::Conflict(_))), "stale version");
    let stored = s.case("c1").await.unwrap().unwrap();
    assert_eq!((stored.state.as_str(), stored.version), ("registered", 2));
    let events = s.case_events("c1").await.unwrap();
    assert_eq!(events.iter().map(|e| e.action.as_str()).collect::<Vec<_>>(), vec!["report", "register"]);
    assert!(events[0].id < events[1].id);
    assert_eq!(s.all_case_events(i64::MAX).await.unwrap().len(), 2);
    assert!(s.all_case_events(1_000).await.unwrap().is_empty(), "only cases created before the bound");

    let ev = s.case_evidence("c1").await.unwrap();
    assert_eq!(ev, vec![photo.row.clone()]);
    let (_, bytes) = s.evidence_content("c1", "e1").await.unwrap().unwrap();
    assert_eq!(bytes, vec![0xff, 0xd8, 0xff]);
    assert!(s.evidence_content("other", "e1").await.unwrap().is_none(), "evidence belongs to its case");

    // Filters.
    let f =
        |states: &[&str]| CaseFilter { states: states.iter().map(|s| s.to_string()).collect(), ..Default::default() };
    assert_eq!(s.list_cases(&f(&["registered"])).await.unwrap().len(), 1);
    assert!(s.list_cases(&f(&["closed", "reported"])).await.unwrap().is_empty());
    let by_grid = CaseFilter {
        grid_ids: vec!["g".into()],
        category: Some("E0101".into()),
        created_from_ms: Some(1_000),
        created_to_ms: Some(1_001),
        ..Default::default()
    };
    assert_eq!(s.list_cases(&by_grid).await.unwrap().len(), 1);
    let none = CaseFilter { reporter_id: Some("someone".into()), ..Default::default() };
    assert!(s.list_cases(&none).await.unwrap().is_empty());
    assert_eq!(s.recent_open_cases("E0101", 0).await.unwrap().len(), 1);
    assert!(s.recent_open_cases("E0101", 2_000).await.unwrap().is_empty());
    assert_eq!(s.timed_cases().await.unwrap().len(), 1);

    // Notifications: read in order, marked read.
    let n = s.notifications("u1", 0, 10).await.unwrap();
    assert_eq!(n.iter().map(|n| n.title.as_str()).collect::<Vec<_>>(), vec!["请核实", "第二条"]);
    assert_eq!(n[0].subject.as_deref(), Some("service_request:s1"));
    assert_eq!(s.notifications("u1", n[0].id, 10).await.unwrap().len(), 1);
    assert_eq!(s.mark_notifications_read("u1", n[0].id, 9).await.unwrap(), 1);
    assert_eq!(s.notifications("u1", 0, 10).await.unwrap()[0].read_ms, Some(9));

    // A hold keeps overlapping recordings from retention until it is released.
    use palmgrid_store::{RecordingProgress, VideoParamsRow};
    let params = VideoParamsRow {
        codec: "h264".into(),
        rfc6381: "avc1.42C01E".into(),
        width: 640,
        height: 360,
        sps: vec![0x67],
        pps: vec![0x68],
        hvcc: None,
    };
    let mut ids = Vec::new();
    for start in [0, 60_000, 120_000] {
        let id = s.insert_recording("cam", "main", start, &params, "").await.unwrap();
        let p = RecordingProgress {
            end_ms: start + 60_000,
            duration_90k: 1,
            frames: 1,
            bytes: 1,
            sample_index: &[],
            open: false,
            synced_bytes: 1,
            boot_id: "",
        };
        s.update_recording(id, p).await.unwrap();
        ids.push(id);
    }
    let old = |now| {
        let s = s.clone();
        async move {
            s.recordings_ended_before("cam", i64::MAX, now, 10).await.unwrap().iter().map(|r| r.id).collect::<Vec<_>>()
        }
    };
    assert_eq!(old(1).await, vec![ids[2]], "0–60 s and 60–120 s overlap the hold on 10–70 s");
    assert_eq!(s.active_holds("cam", 1).await.unwrap(), vec![hold.clone()]);
    s.write_case(&CaseWrite { release_holds: Some(("case:c1", Some(100))), ..Default::default() }).await.unwrap();
    assert_eq!(old(99).await, vec![ids[2]], "held until 100");
    assert_eq!(old(100).await, ids, "released at 100");
    assert!(s.active_holds("cam", 100).await.unwrap().is_empty());
    assert_eq!(s.holds_of("case:c1").await.unwrap().len(), 1);
});

both_backends!(departments_routes_and_api_keys, |s: Store| async move {
    use palmgrid_store::{ApiKeyRow, CaseRouteRow};
    s.insert_user(&user("u1", "handler")).await.unwrap();
    s.insert_region(&region("g", "430407001001001", "grid", None)).await.unwrap();
    s.add_department_member("sanitation", "u1", 1).await.unwrap();
    s.add_department_member("sanitation", "u1", 2).await.unwrap();
    s.add_department_member("traffic", "u1", 2).await.unwrap();
    assert_eq!(s.user_departments("u1").await.unwrap(), vec!["sanitation", "traffic"]);
    assert_eq!(s.department_members().await.unwrap().len(), 2);
    s.remove_department_member("traffic", "u1").await.unwrap();
    assert!(matches!(s.remove_department_member("traffic", "u1").await, Err(StoreError::NotFound)));
    assert_eq!(s.user_departments("u1").await.unwrap(), vec!["sanitation"]);

    let route = CaseRouteRow {
        category: "E0101".into(),
        region_id: "g".into(),
        lead: "sanitation".into(),
        assisting: "".into(),
        updated_ms: 1,
    };
    s.set_case_route(&route).await.unwrap();
    let changed =
        CaseRouteRow { lead: "urban_management".into(), assisting: "sanitation".into(), updated_ms: 2, ..route };
    s.set_case_route(&changed).await.unwrap();
    assert_eq!(s.case_routes().await.unwrap(), vec![changed]);

    let key = ApiKeyRow {
        id: "k1".into(),
        label: "12345 热线".into(),
        key_hash: "h".into(),
        created_by: Some("u1".into()),
        created_ms: 1,
        revoked_ms: None,
    };
    s.insert_api_key(&key).await.unwrap();
    assert!(matches!(
        s.insert_api_key(&ApiKeyRow { id: "k2".into(), ..key.clone() }).await,
        Err(StoreError::Conflict(_))
    ));
    assert_eq!(s.api_key_by_hash("h").await.unwrap(), Some(key.clone()));
    s.revoke_api_key("k1", 5).await.unwrap();
    assert!(matches!(s.revoke_api_key("k1", 6).await, Err(StoreError::NotFound)), "revoked once");
    assert_eq!(s.api_key_by_hash("h").await.unwrap().unwrap().revoked_ms, Some(5));
    assert_eq!(s.list_api_keys().await.unwrap().len(), 1);
});
