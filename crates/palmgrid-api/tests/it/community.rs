//! 掌上社区 over HTTP on both databases: a topic from a case with a masked picture, comments,
//! a vote, a decision that becomes an action item, progress, and the public board.

use super::*;

http_test!(a_topic_from_a_case_is_voted_decided_and_carried_out_on_the_board, with_local_cameras(demo_auth()), |t| {
    let [officer, resident, property, admin, auditor, traffic] =
        ["officer", "resident", "property", "admin", "auditor", "traffic"];
    let tok = t.logins(&[officer, resident, property, admin, auditor, traffic]).await;
    // A case on patrol and a camera with a privacy region over the left half.
    let (s, rep) = t
        .call(
            Method::POST,
            "/api/v1/cases",
            Some(&tok[officer]),
            Some(json!({"category": "E0402",
            "description": "商户在店外摆放货架", "lon": 112.5995, "lat": 26.8933})),
        )
        .await;
    assert_eq!(s, 201, "{rep}");
    let case = rep["case"]["id"].as_str().unwrap().to_owned();
    let url = simcam(palmgrid_simcam::scene::SceneKind::StallSetUp).await;
    let (s, cam) = t
        .call(
            Method::POST,
            "/api/v1/cameras",
            Some(&tok[admin]),
            Some(json!({"name": "商铺门口", "url": url, "grid_code": "430407001001001"})),
        )
        .await;
    assert_eq!(s, 201, "{cam}");
    let cam = cam["id"].as_str().unwrap().to_owned();
    let mask = json!({"regions": [[[0.0, 0.0], [0.5, 0.0], [0.5, 1.0], [0.0, 1.0]]]});
    let (s, _) =
        t.call(Method::PUT, &format!("/api/v1/cameras/{cam}/privacy-mask"), Some(&tok[admin]), Some(mask)).await;
    assert_eq!(s, 204);

    // The officer sets a topic from the case, with the camera's masked picture.
    let topics = "/api/v1/communities/430407001001/topics";
    let body = json!({"title": "店外经营怎么管？", "body": "商户长期在店外摆货架，影响通行。", "case_id": case, "camera_id": cam});
    assert_eq!(t.call(Method::POST, topics, Some(&tok[resident]), Some(body.clone())).await.0, 403);
    let (s, topic) = t.call(Method::POST, topics, Some(&tok[officer]), Some(body)).await;
    assert_eq!(s, 201, "{topic}");
    assert_eq!((topic["phase"].as_str(), topic["has_evidence"].as_bool()), (Some("collect"), Some(true)));
    let id = topic["id"].as_str().unwrap().to_owned();
    // The resident sees the picture masked: every pixel of the left half is the fill colour.
    let png = t
        .client
        .get(format!("{}/api/v1/topics/{id}/evidence.png", t.base))
        .bearer_auth(&tok[resident])
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    assert_eq!(topic["evidence_sha256"], cases::sha256_hex(&png));
    let img = image::load_from_memory_with_format(&png, image::ImageFormat::Png).unwrap().to_rgb8();
    let fill = image::Rgb(palmgrid_domain::privacy::FILL);
    for (x, _, p) in img.enumerate_pixels() {
        if x < img.width() / 2 {
            assert_eq!(*p, fill);
        }
    }
    assert!(img.enumerate_pixels().filter(|(x, _, p)| *x > img.width() / 2 && **p != fill).count() > 0);
    // Members only: the auditor and a department handler do not see the space.
    for who in [auditor, traffic] {
        assert_eq!(t.call(Method::GET, &format!("/api/v1/topics/{id}"), Some(&tok[who]), None).await.0, 404, "{who}");
        assert_eq!(t.call(Method::GET, topics, Some(&tok[who]), None).await.0, 404, "{who}");
    }

    // Views are collected, then discussed.
    let comments = format!("/api/v1/topics/{id}/comments");
    let (s, c) =
        t.call(Method::POST, &comments, Some(&tok[resident]), Some(json!({"body": "建议划定临时摆放区"}))).await;
    assert_eq!(s, 201, "{c}");
    t.clock.advance_ms(1_000);
    let (s, _) = t
        .call(
            Method::POST,
            &comments,
            Some(&tok[property]),
            Some(json!({"body": "物业可以配合", "parent_id": c["id"]})),
        )
        .await;
    assert_eq!(s, 201);
    let phase = format!("/api/v1/topics/{id}/phase");
    assert_eq!(t.call(Method::POST, &phase, Some(&tok[resident]), Some(json!({"to": "discuss"}))).await.0, 403);
    assert_eq!(t.call(Method::POST, &phase, Some(&tok[officer]), Some(json!({"to": "decided"}))).await.0, 422);
    assert_eq!(t.call(Method::POST, &phase, Some(&tok[officer]), Some(json!({"to": "discuss"}))).await.0, 204);
    // The vote: two participating members (the resident and the property manager).
    let poll = json!({"question": "是否划定临时摆放区？", "options": ["同意", "不同意"], "anonymous": true,
                      "deadline": "2027-01-16T16:00:00+08:00", "quorum_pct": 50});
    let (s, v) = t.call(Method::POST, &format!("/api/v1/topics/{id}/poll"), Some(&tok[officer]), Some(poll)).await;
    assert_eq!(s, 204, "{v}");
    let votes = format!("/api/v1/topics/{id}/votes");
    assert_eq!(
        t.call(Method::POST, &votes, Some(&tok[officer]), Some(json!({"choices": [0]}))).await.0,
        403,
        "staff do not vote"
    );
    assert_eq!(t.call(Method::POST, &votes, Some(&tok[resident]), Some(json!({"choices": [0, 1]}))).await.0, 422);
    assert_eq!(t.call(Method::POST, &votes, Some(&tok[resident]), Some(json!({"choices": [0]}))).await.0, 204);
    assert_eq!(t.call(Method::POST, &votes, Some(&tok[resident]), Some(json!({"choices": [1]}))).await.0, 409, "once");
    assert_eq!(t.call(Method::POST, &comments, Some(&tok[resident]), Some(json!({"body": "x"}))).await.0, 409);
    let (_, detail) = t.call(Method::GET, &format!("/api/v1/topics/{id}"), Some(&tok[resident]), None).await;
    assert_eq!(detail["poll"]["mine"], json!([0]));
    assert_eq!(detail["poll"]["tally"]["counts"], json!([1, 0]));
    assert_eq!(
        (detail["poll"]["tally"]["eligible"].as_u64(), detail["poll"]["tally"]["quorum_met"].as_bool()),
        (Some(2), Some(true))
    );
    assert_eq!(detail["poll"]["voters"], json!([]), "anonymous");
    assert_eq!(detail["comments"].as_array().unwrap().len(), 2);
    assert_eq!(detail["comments"][1]["author_name"], "物业经理 吴敏");
    assert_eq!(t.call(Method::POST, &votes, Some(&tok[property]), Some(json!({"choices": [0]}))).await.0, 204);

    // The decision becomes an action item owned by the property manager, whom the officer
    // finds in the member list (the staff's; residents do not get it).
    let members = "/api/v1/communities/430407001001/members";
    assert_eq!(t.call(Method::GET, members, Some(&tok[resident]), None).await.0, 403);
    let (s, m) = t.call(Method::GET, members, Some(&tok[officer]), None).await;
    assert_eq!(s, 200, "{m}");
    let listed = m["items"].as_array().unwrap().iter().find(|m| m["username"] == "property").unwrap();
    assert_eq!(
        (listed["role"].as_str(), listed["region_name"].as_str()),
        (Some("property_manager"), Some("牛角巷社区"))
    );
    let property_id = listed["user_id"].as_str().unwrap().to_owned();
    let decision = json!({"decision": "在店铺东侧划定临时摆放区，由物业负责标线",
        "action_item": {"title": "划定临时摆放区标线", "owner_id": property_id, "deadline": "2027-01-22T17:00:00+08:00"}});
    let (s, d) =
        t.call(Method::POST, &format!("/api/v1/topics/{id}/decision"), Some(&tok[officer]), Some(decision)).await;
    assert_eq!(s, 200, "{d}");
    let item = d["action_item"]["id"].as_str().unwrap().to_owned();
    assert_eq!((d["action_item"]["status"].as_str(), d["action_item"]["progress"].as_i64()), (Some("open"), Some(0)));
    assert_eq!(
        (d["action_item"]["owner_name"].as_str(), d["action_item"]["community_code"].as_str()),
        (Some("物业经理 吴敏"), Some("430407001001"))
    );
    let (_, detail) = t.call(Method::GET, &format!("/api/v1/topics/{id}"), Some(&tok[resident]), None).await;
    assert_eq!(
        (detail["action_item"]["id"].as_str(), detail["topic"]["community_code"].as_str()),
        (Some(item.as_str()), Some("430407001001"))
    );
    let updates = format!("/api/v1/action-items/{item}/updates");
    assert_eq!(
        t.call(Method::POST, &updates, Some(&tok[resident]), Some(json!({"body": "x", "progress": 10}))).await.0,
        403
    );
    assert_eq!(
        t.call(Method::POST, &updates, Some(&tok[property]), Some(json!({"body": "x", "progress": 101}))).await.0,
        422
    );
    let (s, u) = t
        .call(
            Method::POST,
            &updates,
            Some(&tok[property]),
            Some(json!({"body": "已完成东侧标线的一半", "progress": 60})),
        )
        .await;
    assert_eq!((s.as_u16(), u["status"].as_str()), (201, Some("in_progress")), "{u}");

    // The board shows the case (without its reporter), the decided topic and the progress.
    let (s, board) = t.call(Method::GET, "/api/v1/communities/430407001001/board", Some(&tok[resident]), None).await;
    assert_eq!(s, 200, "{board}");
    assert_eq!(board["community_name"], "牛角巷社区");
    let number = rep["case"]["number"].as_str().unwrap();
    let listed = board["cases"].as_array().unwrap().iter().find(|c| c["number"] == number).unwrap();
    assert_eq!((listed["category"].as_str(), listed["state"].as_str()), (Some("店外经营"), Some("reported")));
    assert!(!board.to_string().contains("网格员 李敏"), "no reporter names on the board");
    assert_eq!(board["topics"][0]["topic"]["phase"], "decided");
    assert_eq!(board["topics"][0]["tally"]["counts"], json!([2, 0]));
    assert_eq!(board["topics"][0]["options"], json!(["同意", "不同意"]));
    assert_eq!(
        (board["action_items"][0]["progress"].as_i64(), board["action_items"][0]["title"].as_str()),
        (Some(60), Some("划定临时摆放区标线"))
    );
    let (_, one) = t.call(Method::GET, &format!("/api/v1/action-items/{item}"), Some(&tok[resident]), None).await;
    assert_eq!(one["updates"][0]["body"], "已完成东侧标线的一半");
    assert_eq!(one["updates"][0]["author_name"], "物业经理 吴敏");
    let (_, all) =
        t.call(Method::GET, "/api/v1/communities/430407001001/action-items", Some(&tok[resident]), None).await;
    assert_eq!(all["items"][0]["id"].as_str(), Some(item.as_str()), "{all}");
    assert_eq!(all["items"][0]["progress"], 60);
    assert_eq!(t.call(Method::GET, "/api/v1/communities/430407001002/board", Some(&tok[resident]), None).await.0, 404);
    assert_eq!(
        t.call(Method::GET, "/api/v1/communities/430407001001001/board", Some(&tok[resident]), None).await.0,
        422
    );
});

http_test!(a_comment_is_hidden_after_three_reports_and_every_removal_names_its_rule, demo_auth(), |t| {
    let tok = t.logins(&["officer", "resident", "property", "secretary", "auditor"]).await;
    let (_, topic) = t
        .call(
            Method::POST,
            "/api/v1/communities/430407001001/topics",
            Some(&tok["officer"]),
            Some(json!({"title": "停车位划分", "body": "小区停车位如何划分？"})),
        )
        .await;
    let id = topic["id"].as_str().unwrap();
    let (_, c) = t
        .call(
            Method::POST,
            &format!("/api/v1/topics/{id}/comments"),
            Some(&tok["resident"]),
            Some(json!({"body": "某某家的车天天乱停"})),
        )
        .await;
    let comment = c["id"].as_str().unwrap().to_owned();
    let reports = format!("/api/v1/comments/{comment}/reports");
    let report =
        |who: &'static str| t.call(Method::POST, &reports, Some(&tok[who]), Some(json!({"reason": "人身攻击"})));
    assert_eq!(report("resident").await.0, 422, "not one's own");
    let (s, v) = report("property").await;
    assert_eq!((s.as_u16(), v["reports"].as_i64(), v["hidden"].as_bool()), (200, Some(1), Some(false)));
    assert_eq!(report("property").await.0, 409, "once per member");
    assert_eq!(report("officer").await.1["hidden"], false);
    assert_eq!(report("auditor").await.0, 404, "not a member");
    let (_, v) = report("secretary").await;
    assert_eq!((v["reports"].as_i64(), v["hidden"].as_bool()), (Some(3), Some(true)), "hidden after three");
    let topic_path = format!("/api/v1/topics/{id}");
    let detail = |who: &'static str| t.call(Method::GET, &topic_path, Some(&tok[who]), None);
    let (_, d) = detail("property").await;
    assert_eq!((d["comments"][0]["hidden"].as_bool(), d["comments"][0]["body"].as_str()), (Some(true), Some("")));
    assert_eq!(d["comments"][0]["hidden_reason"], "3 位成员举报，待审核");
    let c0 = &d["comments"][0];
    assert_eq!(
        (c0["state"].as_str(), c0["mine"].as_bool(), c0["i_reported"].as_bool(), c0["reports"].as_i64()),
        (Some("pending"), Some(false), Some(true), Some(0)),
        "a member sees that they reported it, not how many did"
    );
    let (_, d) = detail("resident").await;
    assert_eq!(d["comments"][0]["body"], "某某家的车天天乱停", "the author still sees their text");
    assert_eq!(
        (d["comments"][0]["mine"].as_bool(), d["comments"][0]["i_reported"].as_bool()),
        (Some(true), Some(false))
    );
    // The author is told, with the topic to open.
    let (_, notes) = t.call(Method::GET, "/api/v1/notifications", Some(&tok["resident"]), None).await;
    let note = notes["items"].as_array().unwrap().iter().find(|n| n["kind"] == "moderation").unwrap().clone();
    assert_eq!(note["subject"], format!("topic:{id}"));
    // The author appeals, once; a moderator removes it for good, naming the rule.
    let appeal = format!("/api/v1/comments/{comment}/appeal");
    assert_eq!(t.call(Method::POST, &appeal, Some(&tok["property"]), Some(json!({"body": "x"}))).await.0, 403);
    assert_eq!(
        t.call(Method::POST, &appeal, Some(&tok["resident"]), Some(json!({"body": "我只是说明情况"}))).await.0,
        204
    );
    assert_eq!(t.call(Method::POST, &appeal, Some(&tok["resident"]), Some(json!({"body": "again"}))).await.0, 409);
    // Moderators see the count and the appeal; other members see neither.
    let (_, d) = detail("secretary").await;
    let c0 = &d["comments"][0];
    assert_eq!((c0["reports"].as_i64(), c0["appeal"]["body"].as_str()), (Some(3), Some("我只是说明情况")));
    assert_eq!(detail("property").await.1["comments"][0]["appeal"], Value::Null);
    let moderation = format!("/api/v1/comments/{comment}/moderation");
    let rule = json!({"action": "remove", "rule": "社区公约第3条：不点名指责他人"});
    assert_eq!(t.call(Method::POST, &moderation, Some(&tok["property"]), Some(rule.clone())).await.0, 403);
    assert_eq!(
        t.call(Method::POST, &moderation, Some(&tok["secretary"]), Some(json!({"action": "remove", "rule": " "})))
            .await
            .0,
        422
    );
    assert_eq!(t.call(Method::POST, &moderation, Some(&tok["secretary"]), Some(rule)).await.0, 204);
    let (_, d) = detail("property").await;
    assert_eq!(d["comments"][0]["hidden_reason"], "社区公约第3条：不点名指责他人");
    assert_eq!(d["comments"][0]["state"], "removed");
    // The log: the automatic hiding with its rule, the appeal and the removal with its rule.
    let (_, log) = t.call(Method::GET, "/api/v1/audit?action=moderation.&limit=10", Some(&tok["auditor"]), None).await;
    let entries: Vec<(&str, &Value)> =
        log["items"].as_array().unwrap().iter().map(|e| (e["action"].as_str().unwrap(), &e["details"])).collect();
    assert_eq!(
        entries.iter().map(|e| e.0).collect::<Vec<_>>(),
        ["moderation.remove", "moderation.appeal", "moderation.hide"]
    );
    assert_eq!(entries[0].1["rule"], "社区公约第3条：不点名指责他人");
    assert_eq!((entries[2].1["rule"].as_str(), entries[2].1["reports"].as_i64()), (Some("reports"), Some(3)));
    // Restored after review: visible to all again.
    let (s, _) = t
        .call(
            Method::POST,
            &moderation,
            Some(&tok["secretary"]),
            Some(json!({"action": "restore", "rule": "申诉成立"})),
        )
        .await;
    assert_eq!(s, 204);
    let (_, d) = detail("property").await;
    assert_eq!(
        (d["comments"][0]["hidden"].as_bool(), d["comments"][0]["body"].as_str(), d["comments"][0]["state"].as_str()),
        (Some(false), Some("某某家的车天天乱停"), Some("visible"))
    );
    // After the review the count starts afresh: one new report does not hide it again.
    let (_, v) = report("property").await;
    assert_eq!((v["reports"].as_i64(), v["hidden"].as_bool()), (Some(1), Some(false)));
});

http_test!(mediation_records_are_404_to_all_but_the_parties_and_the_mediator, demo_auth(), |t| {
    let tok = t.logins(&["officer", "resident", "property", "secretary", "admin", "auditor"]).await;
    let id_of = |u: &str| {
        let store = t.app.store.clone();
        let u = u.to_owned();
        async move { store.user_by_username(&u).await.unwrap().unwrap().id }
    };
    let body = json!({"title": "楼上漏水纠纷", "summary": "楼上卫生间漏水，楼下天花板受损，双方对维修费用有分歧。",
        "parties": [id_of("resident").await, id_of("property").await], "mediator_id": id_of("officer").await});
    let path = "/api/v1/communities/430407001001/mediations";
    assert_eq!(t.call(Method::POST, path, Some(&tok["resident"]), Some(body.clone())).await.0, 403);
    let (s, m) = t.call(Method::POST, path, Some(&tok["secretary"]), Some(body)).await;
    assert_eq!(s, 201, "{m}");
    let id = m["id"].as_str().unwrap().to_owned();
    let one = format!("/api/v1/mediations/{id}");
    for (who, status) in
        [("resident", 200), ("property", 200), ("officer", 200), ("secretary", 404), ("admin", 404), ("auditor", 404)]
    {
        assert_eq!(t.call(Method::GET, &one, Some(&tok[who]), None).await.0, status, "{who}");
    }
    let (_, mine) = t.call(Method::GET, "/api/v1/mediations", Some(&tok["resident"]), None).await;
    assert_eq!(mine["items"].as_array().unwrap().len(), 1);
    assert_eq!(
        (mine["items"][0]["title"].as_str(), mine["items"][0]["my_role"].as_str(), mine["items"][0]["state"].as_str()),
        (Some("楼上漏水纠纷"), Some("party"), Some("registered"))
    );
    // The parties and the mediator are told; whoever registered it is not.
    for (who, told) in [("resident", true), ("officer", true), ("secretary", false)] {
        let (_, notes) = t.call(Method::GET, "/api/v1/notifications", Some(&tok[who]), None).await;
        let n = notes["items"].as_array().unwrap().iter().filter(|n| n["subject"] == format!("mediation:{id}")).count();
        assert_eq!(n, usize::from(told), "{who}");
    }
    let (_, theirs) = t.call(Method::GET, "/api/v1/mediations", Some(&tok["secretary"]), None).await;
    assert_eq!(theirs["items"], json!([]));
    // Only the mediator records steps, in order: sessions, then the agreement, then the visit.
    let steps = format!("/api/v1/mediations/{id}/steps");
    let step = |who: &'static str, v: Value| t.call(Method::POST, &steps, Some(&tok[who]), Some(v));
    assert_eq!(step("resident", json!({"step": "session", "notes": "x"})).await.0, 403);
    assert_eq!(step("officer", json!({"step": "agreement", "notes": "x"})).await.0, 409);
    assert_eq!(step("officer", json!({"step": "session", "notes": "双方到场，陈述各自意见"})).await.0, 204);
    assert_eq!(step("officer", json!({"step": "agreement", "notes": "楼上承担维修费用的七成"})).await.0, 204);
    assert_eq!(step("officer", json!({"step": "follow_up", "notes": "一周后回访，已修复"})).await.0, 204);
    let (_, d) = t.call(Method::GET, &one, Some(&tok["property"]), None).await;
    assert_eq!((d["state"].as_str(), d["agreement"].as_str()), (Some("followed_up"), Some("楼上承担维修费用的七成")));
    assert_eq!(d["entries"].as_array().unwrap().len(), 3);
    assert_eq!(d["mediator_name"], "网格员 李敏");
    assert_eq!((d["may_record"].as_bool(), d["community_code"].as_str()), (Some(false), Some("430407001001")));
    assert_eq!(d["entries"][0]["author_name"], "网格员 李敏");
    let (_, d) = t.call(Method::GET, &one, Some(&tok["officer"]), None).await;
    assert_eq!(d["may_record"], true);
    // The log has the registration and each step, not what the dispute is about.
    let (_, log) = t.call(Method::GET, "/api/v1/audit?action=mediation.&limit=10", Some(&tok["auditor"]), None).await;
    let actions: Vec<&str> = log["items"].as_array().unwrap().iter().map(|e| e["action"].as_str().unwrap()).collect();
    assert_eq!(actions, ["mediation.step", "mediation.step", "mediation.step", "mediation.register"]);
    assert!(!log.to_string().contains("漏水"), "{log}");
});

http_test!(notices_reach_their_audience_with_read_receipts, demo_auth(), |t| {
    let tok = t.logins(&["officer", "resident", "property", "secretary", "auditor"]).await;
    let path = "/api/v1/communities/430407001001/notices";
    let notice = json!({"title": "周六停水通知", "body": "本周六 9:00–17:00 因管网维修停水，请提前储水。"});
    assert_eq!(t.call(Method::POST, path, Some(&tok["resident"]), Some(notice.clone())).await.0, 403);
    let (s, n) = t.call(Method::POST, path, Some(&tok["secretary"]), Some(notice)).await;
    assert_eq!(s, 201, "{n}");
    let id = n["id"].as_str().unwrap().to_owned();
    // A notice for one grid: its officer and the staff see it; community-level residents do not.
    let grid_only = json!({"title": "一网格楼道清理", "body": "请清理楼道杂物。", "target": "430407001001001"});
    let (s, g) = t.call(Method::POST, path, Some(&tok["officer"]), Some(grid_only)).await;
    assert_eq!(s, 201, "{g}");
    let bad = json!({"title": "x", "body": "x", "target": "430407001002001"});
    assert_eq!(t.call(Method::POST, path, Some(&tok["secretary"]), Some(bad)).await.0, 422, "another community's grid");
    let titles = |who: &'static str| {
        let tok = tok[who].clone();
        async move {
            let (_, v) = t.call(Method::GET, path, Some(&tok), None).await;
            v["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|n| (n["title"].as_str().unwrap().to_owned(), n["read"].as_bool().unwrap()))
                .collect::<Vec<_>>()
        }
    };
    assert_eq!(titles("resident").await, [("周六停水通知".to_owned(), false)]);
    assert_eq!(titles("officer").await.len(), 2);
    assert_eq!(
        t.call(Method::GET, &format!("/api/v1/notices/{}", g["id"].as_str().unwrap()), Some(&tok["resident"]), None)
            .await
            .0,
        404
    );
    assert_eq!(t.call(Method::GET, path, Some(&tok["auditor"]), None).await.0, 404);
    // Opening it is the receipt; the committee sees who read it and who did not.
    let receipts = format!("/api/v1/notices/{id}/receipts");
    let (_, r) = t.call(Method::GET, &receipts, Some(&tok["secretary"]), None).await;
    assert_eq!((r["audience"].as_u64(), r["read"].as_u64()), (Some(2), Some(0)), "{r}");
    assert_eq!(t.call(Method::GET, &format!("/api/v1/notices/{id}"), Some(&tok["resident"]), None).await.0, 200);
    assert_eq!(t.call(Method::GET, &format!("/api/v1/notices/{id}"), Some(&tok["resident"]), None).await.0, 200);
    assert_eq!(titles("resident").await, [("周六停水通知".to_owned(), true)]);
    // Staff opening it are not readers of the audience.
    assert_eq!(t.call(Method::GET, &format!("/api/v1/notices/{id}"), Some(&tok["officer"]), None).await.0, 200);
    let (_, r) = t.call(Method::GET, &receipts, Some(&tok["secretary"]), None).await;
    assert_eq!(
        (r["read"].as_u64(), r["readers"].clone(), r["unread"].clone()),
        (Some(1), json!(["居民 王芳"]), json!(["物业经理 吴敏"]))
    );
    assert_eq!(t.call(Method::GET, &receipts, Some(&tok["resident"]), None).await.0, 403);
});

http_test!(residents_join_with_an_invite_and_are_verified_by_staff, demo_auth(), |t| {
    let officer = t.login("officer").await;
    let resident = t.login("resident").await;
    let path = "/api/v1/communities/430407001001/invites";
    let body = json!({"address": "牛角巷 18 号 2 单元 301", "target": "430407001001001"});
    assert_eq!(t.call(Method::POST, path, Some(&resident), Some(body.clone())).await.0, 403);
    let (s, inv) = t.call(Method::POST, path, Some(&officer), Some(body)).await;
    assert_eq!(s, 201, "{inv}");
    let code = inv["code"].as_str().unwrap().to_owned();
    assert_eq!(inv["join_url"], format!("/join?code={code}"));
    // Anyone with the code registers (no login), once; a wrong code is refused.
    let join = |code: &str, user: &str| json!({"code": code, "username": user, "display_name": "居民 赵六", "password": "a-long-enough-password-1"});
    let (s, v) = t.call(Method::POST, "/api/v1/join", None, Some(join("NOTACODE", "zhao6"))).await;
    assert_eq!((s.as_u16(), v["error"].as_str()), (422, Some("invalid_input")));
    let (s, v) = t.call(Method::POST, "/api/v1/join", None, Some(join(&code.to_lowercase(), "zhao6"))).await;
    assert_eq!((s.as_u16(), v["status"].as_str()), (201, Some("pending")), "{v}");
    assert_eq!(t.call(Method::POST, "/api/v1/join", None, Some(join(&code, "zhao7"))).await.0, 422, "used");
    // Until verified, the account belongs to no community.
    let (s, v) = t
        .call(
            Method::POST,
            "/api/v1/auth/login",
            None,
            Some(json!({"username": "zhao6", "password": "a-long-enough-password-1"})),
        )
        .await;
    assert_eq!(s, 200, "{v}");
    let newcomer = v["token"].as_str().unwrap().to_owned();
    assert_eq!(t.call(Method::GET, "/api/v1/communities/430407001001/topics", Some(&newcomer), None).await.0, 404);
    // It reads itself, so the app can say it waits for verification.
    let (s, me) = t.call(Method::GET, "/api/v1/me", Some(&newcomer), None).await;
    assert_eq!(
        (s.as_u16(), me["user"]["memberships"].clone(), me["tabs"].clone()),
        (200, json!([]), json!(["home", "me"])),
        "{me}"
    );
    // The officer sees the request with its address and verifies it.
    let (_, reqs) = t.call(Method::GET, "/api/v1/communities/430407001001/join-requests", Some(&officer), None).await;
    let req = &reqs["items"][0];
    assert_eq!(
        (req["username"].as_str(), req["address"].as_str(), req["state"].as_str()),
        (Some("zhao6"), Some("牛角巷 18 号 2 单元 301"), Some("pending"))
    );
    let decide = format!("/api/v1/join-requests/{}/decision", req["id"].as_str().unwrap());
    assert_eq!(t.call(Method::POST, &decide, Some(&resident), Some(json!({"verify": true}))).await.0, 403);
    assert_eq!(t.call(Method::POST, &decide, Some(&officer), Some(json!({"verify": true}))).await.0, 204);
    assert_eq!(
        t.call(Method::POST, &decide, Some(&officer), Some(json!({"verify": false}))).await.0,
        409,
        "decided once"
    );
    let (s, v) = t
        .call(
            Method::POST,
            "/api/v1/auth/login",
            None,
            Some(json!({"username": "zhao6", "password": "a-long-enough-password-1"})),
        )
        .await;
    assert_eq!(s, 200);
    let member = v["token"].as_str().unwrap().to_owned();
    assert_eq!(v["user"]["memberships"][0]["region_code"], "430407001001001", "{v}");
    assert_eq!(t.call(Method::GET, "/api/v1/communities/430407001001/topics", Some(&member), None).await.0, 200);
});

/// A chat client: a WebSocket on the community chat with a bearer token.
pub(crate) async fn chat_client(
    t: &TestApp,
    token: &str,
) -> tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>> {
    use tokio_tungstenite::tungstenite::client::IntoClientRequest;
    let url = format!("{}/api/v1/communities/430407001001/chat.ws", t.base.replace("http://", "ws://"));
    let mut req = url.into_client_request().unwrap();
    req.headers_mut().insert("authorization", format!("Bearer {token}").parse().unwrap());
    tokio_tungstenite::connect_async(req).await.unwrap().0
}

pub(crate) async fn next_json<S>(ws: &mut S) -> Value
where
    S: futures::Stream<Item = Result<tokio_tungstenite::tungstenite::Message, tokio_tungstenite::tungstenite::Error>>
        + Unpin,
{
    let m = tokio::time::timeout(std::time::Duration::from_secs(5), futures::StreamExt::next(ws))
        .await
        .unwrap()
        .unwrap()
        .unwrap();
    serde_json::from_str(m.to_text().unwrap()).unwrap()
}

http_test!(two_chat_clients_receive_each_others_messages_in_order, demo_auth(), |t| {
    use futures::SinkExt;
    use tokio_tungstenite::tungstenite::Message;
    let resident = t.login("resident").await;
    let property = t.login("property").await;
    let (s, _) = t
        .call(Method::POST, "/api/v1/communities/430407001001/chat", Some(&resident), Some(json!({"body": "大家好"})))
        .await;
    assert_eq!(s, 201);
    let mut a = chat_client(t, &resident).await;
    let mut b = chat_client(t, &property).await;
    // Both get the history first.
    assert_eq!(next_json(&mut a).await["body"], "大家好");
    let first = next_json(&mut b).await;
    assert_eq!(first["body"], "大家好");
    // The author's id lets a client tell its own messages from others'.
    let resident_id = t.app.store.user_by_username("resident").await.unwrap().unwrap().id;
    assert_eq!(first["author_id"].as_str(), Some(resident_id.as_str()));
    // They write at once, each several messages; both see one order, the database's.
    for k in 0..5 {
        a.send(Message::Text(json!({"body": format!("居民 {k}")}).to_string().into())).await.unwrap();
        b.send(Message::Text(json!({"body": format!("物业 {k} @resident")}).to_string().into())).await.unwrap();
    }
    let (mut seen_a, mut seen_b) = (Vec::new(), Vec::new());
    for _ in 0..10 {
        let m = next_json(&mut a).await;
        seen_a.push((m["id"].as_i64().unwrap(), m["body"].as_str().unwrap().to_owned()));
        let m = next_json(&mut b).await;
        seen_b.push((m["id"].as_i64().unwrap(), m["body"].as_str().unwrap().to_owned()));
    }
    assert_eq!(seen_a, seen_b, "one order for everyone");
    assert!(seen_a.windows(2).all(|w| w[0].0 < w[1].0), "in number order");
    let mine: Vec<&str> = seen_a.iter().map(|m| m.1.as_str()).filter(|b| b.starts_with("居民")).collect();
    assert_eq!(mine, ["居民 0", "居民 1", "居民 2", "居民 3", "居民 4"], "each sender's messages keep their order");
    // The mention told the resident; history pages back.
    let (_, n) = t.call(Method::GET, "/api/v1/notifications", Some(&resident), None).await;
    let mentions = n["items"].as_array().unwrap().iter().filter(|n| n["kind"] == "mention").count();
    assert_eq!(mentions, 5);
    let before = seen_a[0].0;
    let (_, h) = t
        .call(Method::GET, &format!("/api/v1/communities/430407001001/chat?before={before}"), Some(&property), None)
        .await;
    assert_eq!(h["items"].as_array().unwrap().len(), 1);
    // Non-members have no chat.
    let auditor = t.login("auditor").await;
    assert_eq!(t.call(Method::GET, "/api/v1/communities/430407001001/chat", Some(&auditor), None).await.0, 404);
});

http_test!(the_camera_access_report_counts_views_by_role_purpose_and_case, with_local_cameras(demo_auth()), |t| {
    let tok = t.logins(&["officer", "resident", "admin", "auditor", "traffic"]).await;
    let (s, rep) = t
        .call(
            Method::POST,
            "/api/v1/cases",
            Some(&tok["officer"]),
            Some(json!({"category": "E0402", "description": "商户在店外摆放货架", "lon": 112.5995, "lat": 26.8933})),
        )
        .await;
    assert_eq!(s, 201, "{rep}");
    let (case_id, number) =
        (rep["case"]["id"].as_str().unwrap().to_owned(), rep["case"]["number"].as_str().unwrap().to_owned());
    let url = simcam(palmgrid_simcam::scene::SceneKind::StallSetUp).await;
    let (s, cam) = t
        .call(
            Method::POST,
            "/api/v1/cameras",
            Some(&tok["admin"]),
            Some(json!({"name": "商铺门口", "url": url, "grid_code": "430407001001001"})),
        )
        .await;
    assert_eq!(s, 201, "{cam}");
    let cam = cam["id"].as_str().unwrap().to_owned();
    let snapshot = |who: &'static str, purpose: String| {
        let (t, tok, cam) = (&t, &tok, &cam);
        async move {
            let resp = t
                .client
                .get(format!("{}/api/v1/cameras/{cam}/snapshot.jpg", t.base))
                .query(&[("purpose", purpose)])
                .bearer_auth(&tok[who])
                .send()
                .await
                .unwrap();
            assert_eq!(resp.status(), 200);
        }
    };
    // Three views: a patrol snapshot, the topic's masked picture (named after its case) and
    // an admin's evidence snapshot for the case.
    snapshot("officer", "patrol".into()).await;
    let topic = json!({"title": "店外经营", "body": "影响通行", "case_id": case_id, "camera_id": cam});
    let (s, v) =
        t.call(Method::POST, "/api/v1/communities/430407001001/topics", Some(&tok["officer"]), Some(topic)).await;
    assert_eq!(s, 201, "{v}");
    snapshot("admin", format!("evidence:{number}")).await;
    // A case number of no case of this community counts under its purpose only.
    snapshot("admin", "evidence:209901010001".into()).await;
    // Free text an officer typed is counted as `other` for members; auditors read it.
    snapshot("officer", "查看三号楼门口".into()).await;

    let report = "/api/v1/communities/430407001001/camera-access";
    let (s, r) = t.call(Method::GET, report, Some(&tok["resident"]), None).await;
    assert_eq!(s, 200, "{r}");
    let c = r["cameras"].as_array().unwrap().iter().find(|c| c["camera_id"] == cam.as_str()).unwrap().clone();
    assert_eq!(c["views"], 5, "{c}");
    assert_eq!(c["by_kind"], json!({"snapshot": 5}));
    assert_eq!(c["by_role"], json!({"grid_officer": 3, "district_admin": 2}));
    assert_eq!(c["by_purpose"], json!({"patrol": 1, "议题": 1, "evidence": 2, "other": 1}));
    assert!(!r.to_string().contains("三号楼"), "{r}");
    assert_eq!(c["by_case"], json!({ number.clone(): 2 }));
    assert!(c["viewers"].is_null(), "members see counts, not who viewed: {c}");
    // Auditors see who viewed, in order.
    let (s, r) = t.call(Method::GET, report, Some(&tok["auditor"]), None).await;
    assert_eq!(s, 200, "{r}");
    let c = r["cameras"].as_array().unwrap().iter().find(|c| c["camera_id"] == cam.as_str()).unwrap().clone();
    let names: Vec<&str> = c["viewers"].as_array().unwrap().iter().map(|v| v["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["officer", "officer", "admin", "admin", "officer"]);
    assert_eq!(c["by_purpose"]["查看三号楼门口"], 1, "auditors read the purpose as audited");
    assert_eq!(c["viewers"][0]["display_name"], "网格员 李敏");
    assert_eq!(c["viewers"][1]["purpose"], format!("议题:{number}"));
    // A period before the views counts none; a non-member gets 404; a reversed period is refused.
    let (_, r) = t.call(Method::GET, &format!("{report}?to=2020-01-01T00:00:00Z"), Some(&tok["resident"]), None).await;
    assert!(r["cameras"].as_array().unwrap().iter().all(|c| c["views"] == 0), "{r}");
    assert_eq!(t.call(Method::GET, report, Some(&tok["traffic"]), None).await.0, 404);
    let reversed = format!("{report}?from=2026-12-02T00:00:00Z&to=2026-12-01T00:00:00Z");
    assert_eq!(t.call(Method::GET, &reversed, Some(&tok["resident"]), None).await.0, 422);
});

http_test!(slow_mode_holds_back_members_and_anonymous_members_appear_under_an_alias, demo_auth(), |t| {
    let tok = t.logins(&["officer", "resident", "property", "secretary", "auditor"]).await;
    let (s, topic) = t
        .call(
            Method::POST,
            "/api/v1/communities/430407001001/topics",
            Some(&tok["officer"]),
            Some(json!({"title": "停车位怎么分", "body": "新划的车位不够"})),
        )
        .await;
    assert_eq!(s, 201, "{topic}");
    let id = topic["id"].as_str().unwrap().to_owned();
    let slow = format!("/api/v1/topics/{id}/slow-mode");
    assert_eq!(t.call(Method::PUT, &slow, Some(&tok["resident"]), Some(json!({"seconds": 60}))).await.0, 403);
    assert_eq!(t.call(Method::PUT, &slow, Some(&tok["officer"]), Some(json!({"seconds": 90_000}))).await.0, 422);
    assert_eq!(t.call(Method::PUT, &slow, Some(&tok["officer"]), Some(json!({"seconds": 60}))).await.0, 204);
    let (_, log) = t.call(Method::GET, "/api/v1/audit?action=moderation.slow_mode", Some(&tok["auditor"]), None).await;
    assert_eq!(log["items"][0]["details"]["seconds"], 60, "{log}");

    // The resident chooses to be anonymous to neighbours.
    let prefs = "/api/v1/me/community-prefs";
    let (_, p) = t.call(Method::GET, prefs, Some(&tok["resident"]), None).await;
    assert_eq!(p["anonymous"], false);
    let (s, p) = t.call(Method::PUT, prefs, Some(&tok["resident"]), Some(json!({"anonymous": true}))).await;
    assert_eq!((s.as_u16(), p["anonymous"].as_bool()), (200, Some(true)));

    // Slow mode: one comment per minute for members; the staff may always answer.
    let comments = format!("/api/v1/topics/{id}/comments");
    let say = |who: &'static str, body: &'static str| {
        let (t, tok, comments) = (&t, &tok, &comments);
        async move { t.call(Method::POST, comments, Some(&tok[who]), Some(json!({ "body": body }))).await }
    };
    assert_eq!(say("resident", "按楼栋抽签").await.0, 201);
    t.clock.advance_ms(20_000);
    let resp = t
        .client
        .post(format!("{}{comments}", t.base))
        .bearer_auth(&tok["resident"])
        .json(&json!({"body": "补充一下"}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 429);
    assert_eq!(resp.headers()["retry-after"], "40");
    assert_eq!(resp.json::<Value>().await.unwrap()["error"], "slow_mode");
    assert_eq!(say("property", "物业同意").await.0, 201, "each member has their own minute");
    assert_eq!(say("officer", "请大家理性讨论").await.0, 201);
    assert_eq!(say("officer", "抽签时间周六").await.0, 201, "staff are not held back");
    t.clock.advance_ms(40_000);
    assert_eq!(say("resident", "补充一下").await.0, 201);
    // Two comments sent at once a minute later: only one passes.
    t.clock.advance_ms(60_000);
    let (a, b) = tokio::join!(say("resident", "再补充一点"), say("resident", "还有一点"));
    let mut got = [a.0.as_u16(), b.0.as_u16()];
    got.sort();
    assert_eq!(got, [201, 429], "{a:?} {b:?}");

    // Neighbours see the alias; the resident and the staff see the name.
    let author_of = |who: &'static str| {
        let (t, tok, id) = (&t, &tok, &id);
        async move {
            let (_, d) = t.call(Method::GET, &format!("/api/v1/topics/{id}"), Some(&tok[who]), None).await;
            d["comments"][0]["author_name"].as_str().unwrap().to_owned()
        }
    };
    let alias = author_of("property").await;
    assert!(alias.starts_with("邻居 ") && alias.chars().count() == 9, "{alias}");
    assert_eq!(author_of("officer").await, "居民 王芳");
    assert_eq!(author_of("secretary").await, "居民 王芳");
    assert_eq!(author_of("resident").await, "居民 王芳");

    // The same in the chat, live and in the history: no name and no id for neighbours.
    let mut neighbour = chat_client(t, &tok["property"]).await;
    let mut staff = chat_client(t, &tok["secretary"]).await;
    let (s, _) = t
        .call(
            Method::POST,
            "/api/v1/communities/430407001001/chat",
            Some(&tok["resident"]),
            Some(json!({"body": "有人捡到钥匙吗"})),
        )
        .await;
    assert_eq!(s, 201);
    let m = next_json(&mut neighbour).await;
    assert_eq!((m["author_name"].as_str(), m["author_id"].as_str()), (Some(alias.as_str()), Some("")));
    let m = next_json(&mut staff).await;
    assert_eq!(m["author_name"], "居民 王芳");
    // An action item owned by the anonymous resident: neighbours see the alias and no id.
    let resident_id = t.app.store.user_by_username("resident").await.unwrap().unwrap().id;
    let item = json!({"title": "组织抽签", "owner_id": resident_id});
    let (s, _) =
        t.call(Method::POST, "/api/v1/communities/430407001001/action-items", Some(&tok["officer"]), Some(item)).await;
    assert_eq!(s, 201);
    let items = "/api/v1/communities/430407001001/action-items";
    let (_, seen) = t.call(Method::GET, items, Some(&tok["property"]), None).await;
    assert_eq!(
        (seen["items"][0]["owner_name"].as_str(), seen["items"][0]["owner_id"].as_str()),
        (Some(alias.as_str()), Some(""))
    );
    let (_, seen) = t.call(Method::GET, items, Some(&tok["officer"]), None).await;
    assert_eq!(seen["items"][0]["owner_name"], "居民 王芳");
    assert_eq!(seen["items"][0]["owner_id"].as_str(), Some(resident_id.as_str()));
    let (_, h) = t.call(Method::GET, "/api/v1/communities/430407001001/chat", Some(&tok["property"]), None).await;
    assert_eq!(h["items"][0]["author_name"].as_str(), Some(alias.as_str()));
    assert!(!h.to_string().contains("王芳"), "{h}");
});

http_test!(service_requests_go_to_their_desk_are_handled_and_rated, demo_auth(), |t| {
    let tok = t.logins(&["officer", "resident", "property", "secretary", "traffic"]).await;
    let (s, kinds) = t.call(Method::GET, "/api/v1/service-kinds", Some(&tok["resident"]), None).await;
    assert_eq!(s, 200);
    assert!(kinds["items"].as_array().unwrap().iter().any(|k| k["key"] == "repair" && k["desk"] == "property"));
    let path = "/api/v1/communities/430407001001/service-requests";
    let repair = json!({"kind": "repair", "description": "楼道灯不亮", "address": "牛角巷 18 号 2 单元"});
    assert_eq!(
        t.call(Method::POST, path, Some(&tok["officer"]), Some(repair.clone())).await.0,
        403,
        "staff do not file"
    );
    let bad = json!({"kind": "teleport", "description": "x", "address": "y"});
    assert_eq!(t.call(Method::POST, path, Some(&tok["resident"]), Some(bad)).await.0, 422);
    let (s, r) = t.call(Method::POST, path, Some(&tok["resident"]), Some(repair)).await;
    assert_eq!(s, 201, "{r}");
    assert_eq!(
        (r["desk"].as_str(), r["state"].as_str(), r["kind_name"].as_str()),
        (Some("property"), Some("open"), Some("报修"))
    );
    let id = r["id"].as_str().unwrap().to_owned();
    // The property manager is told at once.
    let (_, n) = t.call(Method::GET, "/api/v1/notifications", Some(&tok["property"]), None).await;
    let note = n["items"].as_array().unwrap().iter().find(|i| i["kind"] == "service_request").unwrap().clone();
    assert!(note["title"].as_str().unwrap().contains("新的报修请求"), "{n}");
    assert_eq!(note["subject"], format!("service_request:{id}"), "the app opens the request from it");
    // A committee matter goes to the committee: the property manager does not see it.
    let (s, cert) = t
        .call(
            Method::POST,
            path,
            Some(&tok["resident"]),
            Some(json!({"kind": "certificate", "description": "开居住证明", "address": "牛角巷 18 号"})),
        )
        .await;
    assert_eq!((s.as_u16(), cert["desk"].as_str()), (201, Some("committee")));
    let cert_id = cert["id"].as_str().unwrap();
    assert_eq!(
        t.call(Method::GET, &format!("/api/v1/service-requests/{cert_id}"), Some(&tok["property"]), None).await.0,
        404
    );
    let listed = |who: &'static str| {
        let (t, tok) = (&t, &tok);
        async move {
            let (_, l) = t.call(Method::GET, path, Some(&tok[who]), None).await;
            l["items"].as_array().map(|a| a.len()).unwrap_or(usize::MAX)
        }
    };
    assert_eq!((listed("property").await, listed("secretary").await, listed("resident").await), (1, 2, 2));
    assert_eq!(t.call(Method::GET, path, Some(&tok["traffic"]), None).await.0, 404);

    // The desk accepts and completes it; the requester is told, then rates it once.
    let steps = format!("/api/v1/service-requests/{id}/steps");
    assert_eq!(t.call(Method::POST, &steps, Some(&tok["resident"]), Some(json!({"step": "accept"}))).await.0, 403);
    let (s, a) = t.call(Method::POST, &steps, Some(&tok["property"]), Some(json!({"step": "accept"}))).await;
    assert_eq!(
        (s.as_u16(), a["state"].as_str(), a["handler_name"].as_str()),
        (200, Some("accepted"), Some("物业经理 吴敏"))
    );
    assert_eq!(
        t.call(Method::POST, &steps, Some(&tok["property"]), Some(json!({"step": "done"}))).await.0,
        422,
        "reply"
    );
    let rating = format!("/api/v1/service-requests/{id}/rating");
    assert_eq!(
        t.call(Method::POST, &rating, Some(&tok["resident"]), Some(json!({"rating": 5}))).await.0,
        409,
        "not done"
    );
    let (s, d) = t
        .call(Method::POST, &steps, Some(&tok["property"]), Some(json!({"step": "done", "reply": "已更换灯泡"})))
        .await;
    assert_eq!((s.as_u16(), d["state"].as_str()), (200, Some("done")), "{d}");
    let (_, n) = t.call(Method::GET, "/api/v1/notifications", Some(&tok["resident"]), None).await;
    assert!(n.to_string().contains("已办结"), "{n}");
    assert_eq!(t.call(Method::POST, &steps, Some(&tok["resident"]), Some(json!({"step": "cancel"}))).await.0, 409);
    assert_eq!(t.call(Method::POST, &rating, Some(&tok["property"]), Some(json!({"rating": 5}))).await.0, 403);
    assert_eq!(t.call(Method::POST, &rating, Some(&tok["resident"]), Some(json!({"rating": 6}))).await.0, 422);
    let (s, r) =
        t.call(Method::POST, &rating, Some(&tok["resident"]), Some(json!({"rating": 4, "comment": "及时"}))).await;
    assert_eq!((s.as_u16(), r["rating"].as_i64()), (200, Some(4)));
    assert_eq!(t.call(Method::POST, &rating, Some(&tok["resident"]), Some(json!({"rating": 1}))).await.0, 409, "once");
    // The requester cancels the other one; the board counts both, without names.
    let (s, _) = t
        .call(
            Method::POST,
            &format!("/api/v1/service-requests/{cert_id}/steps"),
            Some(&tok["resident"]),
            Some(json!({"step": "cancel"})),
        )
        .await;
    assert_eq!(s, 200);
    let (_, board) = t.call(Method::GET, "/api/v1/communities/430407001001/board", Some(&tok["resident"]), None).await;
    assert_eq!(
        board["service_requests"],
        json!({"open": 0, "accepted": 0, "done": 1, "cancelled": 1, "rated": 1, "mean_rating": 4.0})
    );
});

http_test!(digests_gather_the_news_at_eight_and_quiet_hours_hold_pushes, demo_auth(), |t| {
    let tok = t.logins(&["officer", "resident", "secretary"]).await;
    let prefs = "/api/v1/me/community-prefs";
    for bad in [
        json!({"anonymous": false, "quiet_from": "22:00"}),
        json!({"anonymous": false, "quiet_from": "25:00", "quiet_to": "07:00"}),
        json!({"anonymous": false, "digest": "hourly"}),
    ] {
        assert_eq!(t.call(Method::PUT, prefs, Some(&tok["resident"]), Some(bad.clone())).await.0, 422, "{bad}");
    }
    // T0 is 16:00 in China.
    let body = json!({"anonymous": false, "quiet_from": "22:00", "quiet_to": "07:00", "digest": "daily"});
    let (s, p) = t.call(Method::PUT, prefs, Some(&tok["resident"]), Some(body.clone())).await;
    assert_eq!((s.as_u16(), p), (200, body));
    let resident_id = t.app.store.user_by_username("resident").await.unwrap().unwrap().id;
    assert!(t.app.may_push(&resident_id).await.unwrap(), "16:00 is not quiet");

    // News of the afternoon: a notice and a topic.
    t.clock.advance_ms(60_000);
    let notice = json!({"title": "周六停水", "body": "9:00–17:00 停水"});
    assert_eq!(
        t.call(Method::POST, "/api/v1/communities/430407001001/notices", Some(&tok["secretary"]), Some(notice)).await.0,
        201
    );
    let topic = json!({"title": "加装电梯", "body": "征集意见"});
    assert_eq!(
        t.call(Method::POST, "/api/v1/communities/430407001001/topics", Some(&tok["officer"]), Some(topic)).await.0,
        201
    );
    assert_eq!(t.app.send_digests().await.unwrap(), 0, "not yet 20:00");
    t.clock.advance_ms(4 * 3_600_000);
    assert_eq!(t.app.send_digests().await.unwrap(), 1);
    assert_eq!(t.app.send_digests().await.unwrap(), 0, "one digest per evening");
    let (_, n) = t.call(Method::GET, "/api/v1/notifications", Some(&tok["resident"]), None).await;
    let titles: Vec<&str> = n["items"].as_array().unwrap().iter().filter_map(|i| i["title"].as_str()).collect();
    assert!(titles.contains(&"社区日报｜牛角巷社区：1 条新公告，1 个新议题"), "{titles:?}");
    // The next evening, with no news, nothing is sent.
    t.clock.advance_ms(24 * 3_600_000);
    assert_eq!(t.app.send_digests().await.unwrap(), 0);
    // 22:30 is quiet: nothing is pushed live (the list still has everything).
    t.clock.advance_ms(2 * 3_600_000 + 29 * 60_000);
    assert!(!t.app.may_push(&resident_id).await.unwrap());
});

http_test!(volunteers_sign_up_and_progress_updates_carry_photos_without_metadata, demo_auth(), |t| {
    let tok = t.logins(&["officer", "resident", "property", "traffic"]).await;
    let property_id = t.app.store.user_by_username("property").await.unwrap().unwrap().id;
    let (s, item) = t
        .call(
            Method::POST,
            "/api/v1/communities/430407001001/action-items",
            Some(&tok["officer"]),
            Some(json!({"title": "清理楼道杂物", "owner_id": property_id})),
        )
        .await;
    assert_eq!(s, 201, "{item}");
    let id = item["id"].as_str().unwrap().to_owned();
    let volunteers = format!("/api/v1/action-items/{id}/volunteers");
    assert_eq!(t.call(Method::POST, &volunteers, Some(&tok["officer"]), None).await.0, 403, "staff run it");
    assert_eq!(t.call(Method::POST, &volunteers, Some(&tok["traffic"]), None).await.0, 404);
    assert_eq!(t.call(Method::POST, &volunteers, Some(&tok["resident"]), None).await.0, 204);
    assert_eq!(t.call(Method::POST, &volunteers, Some(&tok["resident"]), None).await.0, 204, "again is a no-op");
    let detail = |who: &'static str| {
        let (t, tok, id) = (&t, &tok, &id);
        async move { t.call(Method::GET, &format!("/api/v1/action-items/{id}"), Some(&tok[who]), None).await.1 }
    };
    let d = detail("resident").await;
    assert_eq!((d["volunteers"].clone(), d["i_volunteer"].as_bool()), (json!(["居民 王芳"]), Some(true)));
    assert_eq!(detail("property").await["i_volunteer"], false);

    // The owner reports progress with a photo; its GPS position is gone.
    let (s, _) = t
        .call(
            Method::POST,
            &format!("/api/v1/action-items/{id}/updates"),
            Some(&tok["property"]),
            Some(json!({"body": "已清理一至三楼", "progress": 50})),
        )
        .await;
    assert_eq!(s, 201);
    let update = detail("property").await["updates"][0]["id"].as_str().unwrap().to_owned();
    let photo = super::cases::photo_with_gps();
    let upload = |who: &'static str, bytes: Vec<u8>| {
        let (t, tok, update) = (&t, &tok, &update);
        async move {
            t.client
                .post(format!("{}/api/v1/action-updates/{update}/photo", t.base))
                .bearer_auth(&tok[who])
                .header("content-type", "image/jpeg")
                .header("x-palmgrid-client", "test")
                .body(bytes)
                .send()
                .await
                .unwrap()
        }
    };
    assert_eq!(upload("resident", photo.clone()).await.status(), 403, "only its author");
    assert_eq!(upload("property", b"GIF89a not a jpeg".to_vec()).await.status(), 422);
    let r = upload("property", photo.clone()).await;
    assert_eq!(r.status(), 201);
    let sha = r.json::<Value>().await.unwrap()["sha256"].as_str().unwrap().to_owned();
    assert_eq!(upload("property", photo.clone()).await.status(), 409, "one photo per update");
    let got = t
        .client
        .get(format!("{}/api/v1/action-updates/{update}/photo.jpg", t.base))
        .bearer_auth(&tok["resident"])
        .send()
        .await
        .unwrap();
    assert_eq!(got.status(), 200);
    let jpeg = got.bytes().await.unwrap();
    assert_eq!(cases::sha256_hex(&jpeg), sha);
    assert!(!jpeg.windows(4).any(|w| w == b"Exif"), "EXIF removed");
    assert_eq!(detail("resident").await["updates"][0]["photo_sha256"], sha);
    let other = format!("{}/api/v1/action-updates/{update}/photo.jpg", t.base);
    assert_eq!(t.client.get(other).bearer_auth(&tok["traffic"]).send().await.unwrap().status(), 404);

    // Withdrawing; a done item takes no new volunteers.
    assert_eq!(t.call(Method::DELETE, &volunteers, Some(&tok["resident"]), None).await.0, 204);
    assert_eq!(detail("resident").await["volunteers"], json!([]));
    let (s, _) = t
        .call(
            Method::POST,
            &format!("/api/v1/action-items/{id}/updates"),
            Some(&tok["property"]),
            Some(json!({"body": "全部清理完毕", "progress": 100})),
        )
        .await;
    assert_eq!(s, 201);
    assert_eq!(t.call(Method::POST, &volunteers, Some(&tok["resident"]), None).await.0, 409);
});
