//! Cases over HTTP on both databases: the full loop with each actor's view, time limits on
//! the test clock, metrics against a hand count (JSON, CSV and XLSX read back), video
//! evidence holding recordings past retention, and Open311.

use super::*;

/// 牛角巷第一网格 (grid 430407001001001), where the demo officer works.
const IN_GRID: (f64, f64) = (112.5995, 26.8933);
/// 2027-01-15 00:00 CST, the Friday of T0 (16:00 CST).
const FRIDAY: i64 = T0 - 16 * 3_600_000;
const MINUTE: i64 = 60_000;

impl TestApp {
    async fn report(&self, token: &str, body: Value) -> Value {
        let (s, v) = self.call(Method::POST, "/api/v1/cases", Some(token), Some(body)).await;
        assert_eq!(s, 201, "{v}");
        v
    }

    /// Does an action and returns the status and body.
    async fn act(&self, token: &str, id: &str, body: Value) -> (StatusCode, Value) {
        self.call(Method::POST, &format!("/api/v1/cases/{id}/actions"), Some(token), Some(body)).await
    }

    /// Does an action that must succeed; returns the case.
    async fn must(&self, token: &str, id: &str, action: &str) -> Value {
        let (s, v) = self.act(token, id, json!({"action": action})).await;
        assert_eq!(s, 200, "{action}: {v}");
        v
    }

    /// An Open311 GET (`path` after `/open311/v2/`), with a bearer token or not.
    async fn open311(&self, path: &str, bearer: Option<&str>) -> (StatusCode, Value) {
        let mut r = self.client.get(format!("{}/open311/v2/{path}", self.base));
        if let Some(b) = bearer {
            r = r.bearer_auth(b);
        }
        let resp = r.send().await.unwrap();
        let status = resp.status();
        (status, resp.json().await.unwrap())
    }

    async fn case(&self, token: &str, id: &str) -> (StatusCode, Value) {
        self.call(Method::GET, &format!("/api/v1/cases/{id}"), Some(token), None).await
    }
}

/// Sessions that outlive the days the tests move the clock by.
fn long_sessions() -> AuthConfig {
    let day = 86_400_000;
    AuthConfig {
        staff_idle_timeout_ms: 60 * day,
        member_idle_timeout_ms: 60 * day,
        absolute_lifetime_ms: 60 * day,
        ..demo_auth()
    }
}

fn garbage(desc: &str) -> Value {
    json!({"category": "E0101", "description": desc, "lon": IN_GRID.0, "lat": IN_GRID.1, "address": "牛角巷 12 号"})
}

/// A small JPEG with an EXIF segment that carries a GPS position.
pub(crate) fn photo_with_gps() -> Vec<u8> {
    let img = image::RgbImage::from_fn(32, 24, |x, y| image::Rgb([(x * 8) as u8, (y * 10) as u8, 60]));
    let mut plain = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut plain, 85).encode_image(&img).unwrap();
    let body = b"Exif\0\0MM\0*\0\0\0\x08GPSLatitude 26.8933 GPSLongitude 112.5995";
    let mut out = plain[..2].to_vec();
    out.extend_from_slice(&[0xFF, 0xE1]);
    out.extend_from_slice(&((body.len() + 2) as u16).to_be_bytes());
    out.extend_from_slice(body);
    out.extend_from_slice(&plain[2..]);
    out
}

pub fn sha256_hex(b: &[u8]) -> String {
    use sha2::Digest;
    data_encoding::HEXLOWER.encode(&sha2::Sha256::digest(b))
}

async fn titles(t: &TestApp, token: &str) -> Vec<String> {
    let (_, v) = t.call(Method::GET, "/api/v1/notifications", Some(token), None).await;
    v["items"].as_array().unwrap().iter().map(|n| n["title"].as_str().unwrap().to_owned()).collect()
}

http_test!(a_case_goes_round_the_loop_and_each_actor_sees_only_their_part, demo_auth(), |t| {
    let [officer, resident, supervision, command, sanitation, traffic, secretary, auditor] =
        ["officer", "resident", "supervision", "command", "sanitation", "traffic", "secretary", "auditor"];
    let tok = t.logins(&[officer, resident, supervision, command, sanitation, traffic, secretary, auditor]).await;
    // Notifications are pushed over a WebSocket as they are written.
    let ws_url = format!("{}/api/v1/notifications.ws", t.base.replace("http://", "ws://"));
    let mut req = tokio_tungstenite::tungstenite::client::IntoClientRequest::into_client_request(ws_url).unwrap();
    req.headers_mut().insert("authorization", format!("Bearer {}", tok[supervision]).parse().unwrap());
    let (mut ws, _) = tokio_tungstenite::connect_async(req).await.unwrap();

    // 上报 by the officer on patrol: the grid follows from the point.
    let rep = t.report(&tok[officer], garbage("路口有一堆暴露垃圾")).await;
    let c = &rep["case"];
    let id = c["id"].as_str().unwrap().to_owned();
    assert_eq!((c["state"].as_str(), c["source"].as_str()), (Some("reported"), Some("patrol")));
    assert_eq!(c["grid_code"], "430407001001001");
    assert_eq!(c["number"].as_str().unwrap().len(), 12);
    assert!(c["number"].as_str().unwrap().starts_with("20270115"), "{c}");
    assert_eq!(rep["duplicates"], json!([]));
    let pushed = tokio::time::timeout(std::time::Duration::from_secs(5), futures::StreamExt::next(&mut ws))
        .await
        .expect("a push within 5 s")
        .unwrap()
        .unwrap();
    let pushed: Value = serde_json::from_str(pushed.to_text().unwrap()).unwrap();
    assert_eq!((pushed["case_id"].as_str(), pushed["kind"].as_str()), (Some(id.as_str()), Some("act")));
    assert!(pushed["id"].as_i64().unwrap() > 0, "pushed with its stored id: {pushed}");

    // A second report nearby is offered as a duplicate.
    let dup = t.report(&tok[officer], garbage("同一处垃圾")).await;
    assert_eq!(dup["duplicates"][0]["id"], id.as_str());

    // Who sees it before dispatch: the officer, the centres, the committee; not the
    // resident, the departments or the auditor.
    for (who, status) in [
        (officer, 200),
        (supervision, 200),
        (command, 200),
        (secretary, 200),
        (resident, 404),
        (sanitation, 404),
        (traffic, 404),
        (auditor, 404),
    ] {
        assert_eq!(t.case(&tok[who], &id).await.0, status, "{who}");
    }
    // A photo of the scene: the EXIF position is removed before it is stored.
    let jpeg = photo_with_gps();
    let resp = t
        .client
        .post(format!("{}/api/v1/cases/{id}/photos?note=%E7%8E%B0%E5%9C%BA", t.base))
        .bearer_auth(&tok[officer])
        .header("content-type", "image/jpeg")
        .body(jpeg.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 201);
    let ev: Value = resp.json().await.unwrap();
    let got = t
        .client
        .get(format!("{}/api/v1/cases/{id}/evidence/{}", t.base, ev["id"].as_str().unwrap()))
        .bearer_auth(&tok[supervision])
        .send()
        .await
        .unwrap();
    assert_eq!(got.headers()["content-type"], "image/jpeg");
    let stored = got.bytes().await.unwrap();
    assert!(!stored.windows(3).any(|w| w == b"GPS") && stored.len() < jpeg.len(), "EXIF stripped");
    assert_eq!(ev["sha256"], sha256_hex(&stored), "the hash is of the stored bytes");
    let (s, v) =
        t.call(Method::POST, &format!("/api/v1/cases/{id}/photos"), Some(&tok[officer]), Some(json!({}))).await;
    assert_eq!((s.as_u16(), v["error"].as_str()), (422, Some("invalid_input")), "JSON is not a photo");

    // 立案 is the supervision centre's: the officer is refused, and dispatching first is 409.
    assert_eq!(t.act(&tok[officer], &id, json!({"action": "register"})).await.0, 403);
    assert_eq!(t.act(&tok[command], &id, json!({"action": "dispatch"})).await.0, 409);
    assert!(titles(t, &tok[supervision]).await.iter().any(|x| x.contains("待核实")));
    let (_, mine) = t.call(Method::GET, "/api/v1/cases?mine=true", Some(&tok[supervision]), None).await;
    assert!(mine["items"].as_array().unwrap().iter().any(|c| c["id"] == id.as_str()));
    let v = t.must(&tok[supervision], &id, "register").await;
    assert!(v["close_deadline"].is_string());
    // The duplicate is merged into it.
    let dup_id = dup["case"]["id"].as_str().unwrap();
    let (s, v) = t.act(&tok[supervision], dup_id, json!({"action": "merge", "into": id})).await;
    assert_eq!((s.as_u16(), v["state"].as_str()), (200, Some("merged")), "{v}");

    // 派遣: the routing matrix sends garbage to 环卫 by default.
    let v = t.must(&tok[command], &id, "dispatch").await;
    assert_eq!(v["lead_department"], "sanitation");
    assert_eq!(t.case(&tok[sanitation], &id).await.0, 200, "the lead department sees it now");
    assert_eq!(t.case(&tok[traffic], &id).await.0, 404, "another department does not");
    assert!(titles(t, &tok[sanitation]).await.iter().any(|x| x.contains("待签收")));
    assert_eq!(t.act(&tok[traffic], &id, json!({"action": "accept"})).await.0, 404);
    // 退回 needs a reason; after a return the command centre dispatches again.
    let (s, _) = t.act(&tok[sanitation], &id, json!({"action": "return"})).await;
    assert_eq!(s, 422);
    let (s, v) = t.act(&tok[sanitation], &id, json!({"action": "return", "reason": "不属于本部门"})).await;
    assert_eq!((s.as_u16(), v["state"].as_str()), (200, Some("registered")));
    let (s, v) = t
        .act(&tok[command], &id, json!({"action": "dispatch", "lead": "sanitation", "assisting": ["urban_management"]}))
        .await;
    assert_eq!((s.as_u16(), v["assisting_departments"].clone()), (200, json!(["urban_management"])), "{v}");
    t.must(&tok[sanitation], &id, "accept").await;
    let v = t.must(&tok[sanitation], &id, "feedback").await;
    assert_eq!(v["state"], "feedback");
    assert!(v["actions"].as_array().unwrap().is_empty(), "nothing left for the department");

    // 核查 by the officer of the grid; a stale version is refused.
    let (_, detail) = t.case(&tok[officer], &id).await;
    let version = detail["case"]["version"].as_i64().unwrap();
    assert_eq!(detail["case"]["actions"], json!(["check_pass", "check_fail"]));
    let (s, _) = t.act(&tok[officer], &id, json!({"action": "check_pass", "version": version - 1})).await;
    assert_eq!(s, 409);
    let (s, _) = t.act(&tok[officer], &id, json!({"action": "check_pass", "version": version})).await;
    assert_eq!(s, 200);
    // 结案 by the supervision centre, then 评价 by the reporter, once.
    assert_eq!(t.act(&tok[officer], &id, json!({"action": "close"})).await.0, 403);
    t.must(&tok[supervision], &id, "close").await;
    assert!(titles(t, &tok[officer]).await.iter().any(|x| x.contains("请评价")));
    assert_eq!(t.act(&tok[officer], &id, json!({"action": "rate", "rating": 9})).await.0, 422);
    let (s, v) = t.act(&tok[officer], &id, json!({"action": "rate", "rating": 5})).await;
    assert_eq!((s.as_u16(), v["rating"].as_i64()), (200, Some(5)));
    assert_eq!(t.act(&tok[officer], &id, json!({"action": "rate", "rating": 4})).await.0, 409);

    // The timeline says who did what, in order.
    let (_, detail) = t.case(&tok[officer], &id).await;
    let actions: Vec<&str> =
        detail["timeline"].as_array().unwrap().iter().map(|e| e["action"].as_str().unwrap()).collect();
    assert_eq!(
        actions,
        [
            "report",
            "evidence",
            "register",
            "dispatch",
            "return",
            "dispatch",
            "accept",
            "feedback",
            "check_pass",
            "close",
            "rate"
        ]
    );
    let actors: Vec<&str> =
        detail["timeline"].as_array().unwrap().iter().map(|e| e["actor_name"].as_str().unwrap()).collect();
    assert_eq!(actors[2], "监督中心 周静");
    assert_eq!(detail["timeline"][4]["reason"], "不属于本部门");
    assert_eq!(detail["evidence"][0]["kind"], "photo");
    // 重新打开 within seven days, with a reason: back to the dispatcher, to be rated again later.
    assert_eq!(t.act(&tok[resident], &id, json!({"action": "reopen", "reason": "x"})).await.0, 404);
    let (s, v) = t.act(&tok[officer], &id, json!({"action": "reopen", "reason": "垃圾又出现了"})).await;
    assert_eq!((s.as_u16(), v["state"].as_str(), v["rating"].as_i64()), (200, Some("registered"), None), "{v}");

    // A resident's own report: visible to them; others' reports are not listed.
    let own = t.report(&tok[resident], garbage("楼下垃圾没人清")).await;
    assert_eq!(own["case"]["source"], "resident");
    assert_eq!(own["duplicates"], json!([]), "other people's reports are not offered to a resident");
    let (_, list) = t.call(Method::GET, "/api/v1/cases", Some(&tok[resident]), None).await;
    let ids: Vec<&str> = list["items"].as_array().unwrap().iter().map(|c| c["id"].as_str().unwrap()).collect();
    assert_eq!(ids, [own["case"]["id"].as_str().unwrap()]);
    // Hotline entries are the centres'; the caller's phone is shown to staff only.
    let hotline = json!({"source": "hotline", "category": "E0101", "description": "市民来电", "grid_code": "430407001001001",
                         "caller_name": "张先生", "contact": "13800000000"});
    let (s, _) = t.call(Method::POST, "/api/v1/cases", Some(&tok[officer]), Some(hotline.clone())).await;
    assert_eq!(s, 403);
    let call = t.report(&tok[command], hotline).await;
    assert_eq!(
        (call["case"]["reporter_name"].as_str(), call["case"]["contact"].as_str()),
        (Some("张先生"), Some("13800000000"))
    );
    // Outside every grid, and bad input.
    let (s, v) = t
        .call(
            Method::POST,
            "/api/v1/cases",
            Some(&tok[officer]),
            Some(json!({"category": "E0101", "description": "x", "lon": 100.0, "lat": 30.0})),
        )
        .await;
    assert_eq!((s.as_u16(), v["error"].as_str()), (404, Some("outside_all_grids")));
    for bad in [
        json!({"category": "E9999", "description": "x", "lon": IN_GRID.0, "lat": IN_GRID.1}),
        json!({"category": "E0101", "description": " ", "lon": IN_GRID.0, "lat": IN_GRID.1}),
        json!({"category": "E0101", "description": "x", "lon": IN_GRID.0}),
        json!({"category": "E0101", "description": "x", "source": "open311", "lon": IN_GRID.0, "lat": IN_GRID.1}),
    ] {
        let (s, v) = t.call(Method::POST, "/api/v1/cases", Some(&tok[officer]), Some(bad.clone())).await;
        assert_eq!(s, 422, "{bad}: {v}");
    }
    assert_eq!(t.call(Method::POST, "/api/v1/cases", Some(&tok[auditor]), Some(garbage("x"))).await.0, 403);
});

http_test!(time_limits_warn_at_80_percent_and_escalate_when_overdue, long_sessions(), |t| {
    let officer = t.login("officer").await;
    let supervision = t.login("supervision").await;
    let command = t.login("command").await;
    let admin = t.login("admin").await;
    // Friday 16:00: registered now, the dispatch limit (1 working hour) runs out at 17:00.
    let id = t.report(&officer, garbage("超时测试")).await["case"]["id"].as_str().unwrap().to_owned();
    let v = t.must(&supervision, &id, "register").await;
    assert_eq!(v["stage_deadline"], "2027-01-15T09:00:00Z");
    assert_eq!(t.app.run_case_timers().await.unwrap(), (0, 0));
    t.clock.advance_ms(47 * MINUTE); // 78 %
    assert_eq!(t.app.run_case_timers().await.unwrap(), (0, 0));
    t.clock.advance_ms(2 * MINUTE); // 82 %
    assert_eq!(t.app.run_case_timers().await.unwrap(), (1, 0));
    assert_eq!(t.app.run_case_timers().await.unwrap(), (0, 0), "warned once");
    assert!(titles(t, &command).await.iter().any(|x| x.contains("即将超时")), "whoever must act is warned");
    assert!(!titles(t, &admin).await.iter().any(|x| x.contains("超时")));
    t.clock.advance_ms(12 * MINUTE); // 17:01
    assert_eq!(t.app.run_case_timers().await.unwrap(), (0, 1));
    assert!(titles(t, &admin).await.iter().any(|x| x.contains("已超时")), "escalated to the supervisor");
    let (_, detail) = t.case(&command, &id).await;
    assert_eq!(detail["case"]["timer"], "overdue");
    let log: Vec<&Value> =
        detail["timeline"].as_array().unwrap().iter().filter(|e| e["actor_name"] == "system").collect();
    assert_eq!(
        log.iter().map(|e| e["action"].as_str().unwrap()).collect::<Vec<_>>(),
        ["timer_warned", "timer_overdue"]
    );
    let admin_id = t.app.store.user_by_username("admin").await.unwrap().unwrap().id;
    assert_eq!(log[1]["details"]["escalated_to"], json!([admin_id]));
    // Dispatching starts the handling limit afresh; an approved extension moves it.
    let v = t.must(&command, &id, "dispatch").await;
    assert_eq!(v["timer"], "on_time");
    let sanitation = t.login("sanitation").await;
    let (s, v) = t
        .act(
            &sanitation,
            &id,
            json!({"action": "request_extension", "reason": "需调车辆", "until": "2027-01-20T09:00:00+08:00"}),
        )
        .await;
    assert_eq!((s.as_u16(), v["extension_pending"].as_bool()), (200, Some(true)), "{v}");
    let (s, v) = t.act(&command, &id, json!({"action": "decide_extension", "approve": true})).await;
    assert_eq!((s.as_u16(), v["stage_deadline"].as_str()), (200, Some("2027-01-20T01:00:00Z")), "{v}");
    // A request still pending when the department reports back ends with its stage: the
    // officer who must check is told, not the command centre.
    let (s, _) = t
        .act(
            &sanitation,
            &id,
            json!({"action": "request_extension", "reason": "再延", "until": "2027-01-25T09:00:00+08:00"}),
        )
        .await;
    assert_eq!(s, 200);
    t.must(&sanitation, &id, "accept").await;
    let v = t.must(&sanitation, &id, "feedback").await;
    assert_eq!((v["state"].as_str(), v["extension_pending"].as_bool()), (Some("feedback"), Some(false)));
    assert!(titles(t, &officer).await.iter().any(|x| x.contains("待核查")), "the officer is told to check");
});

// Three cases of one grid, moved on the test clock (Friday 16:00 = T0; the limits of E0101
// are 1 working hour to dispatch, 2 to handle, 1 to check and close, 08:30–12:00 and
// 14:00–17:30 on weekdays):
//
// | case | registered | dispatched | feedback accepted | closed | close deadline |
// |---|---|---|---|---|---|
// | A | Fri 16:00 | Fri 16:10 | Fri 16:30 | Fri 16:40 (on time) | Mon 11:30 |
// | B | Fri 16:00 | Fri 16:10 | Fri 16:50 (after one failed check) | Mon 12:00 (late) | Mon 11:30 |
// | C | Fri 16:00 | — | — | — | Mon 11:30 |
//
// By hand, for Fri 00:00 – Tue 00:00: 立案 3; 应结案 3 (A and B where they closed, C at its
// deadline); 结案 2; 按期结案 1 (A); 结案率 2/3; 按期结案率 1/3; 应处置 2, 处置 2, 按期处置 2 (A by
// Mon 09:40, B's rework by Mon 10:05); 返工 1, 返工率 1/2; mean handling time (20 + 40) / 2 min
// = 0.5 h.
http_test!(metrics_match_a_hand_count_in_json_csv_and_xlsx, long_sessions(), |t| {
    let officer = t.login("officer").await;
    let supervision = t.login("supervision").await;
    let command = t.login("command").await;
    let sanitation = t.login("sanitation").await;
    let mut ids = Vec::new();
    for name in ["A", "B", "C"] {
        let id = t.report(&officer, garbage(name)).await["case"]["id"].as_str().unwrap().to_owned();
        t.must(&supervision, &id, "register").await;
        ids.push(id);
    }
    let (a, b) = (&ids[0], &ids[1]);
    t.clock.advance_ms(10 * MINUTE);
    for id in [a, b] {
        t.must(&command, id, "dispatch").await;
        t.must(&sanitation, id, "accept").await;
    }
    t.clock.advance_ms(20 * MINUTE);
    t.must(&sanitation, a, "feedback").await;
    t.must(&sanitation, b, "feedback").await;
    t.clock.advance_ms(5 * MINUTE);
    t.must(&officer, a, "check_pass").await;
    let (s, _) = t.act(&officer, b, json!({"action": "check_fail", "reason": "地面仍有垃圾"})).await;
    assert_eq!(s, 200);
    t.clock.advance_ms(5 * MINUTE);
    t.must(&supervision, a, "close").await;
    t.clock.advance_ms(10 * MINUTE);
    t.must(&sanitation, b, "feedback").await;
    t.must(&officer, b, "check_pass").await;
    t.clock.advance_ms((68 * 60 - 50) * MINUTE); // Friday 16:50 → Monday 12:00
    assert_eq!(palmgrid_api::views::rfc3339(t.app.now_ms()), "2027-01-18T04:00:00Z", "Monday 12:00 CST");
    t.must(&supervision, b, "close").await;

    let period = format!("from={}&to={}", q(FRIDAY), q(FRIDAY + 4 * 24 * 60 * MINUTE));
    let (s, m) = t
        .call(Method::GET, &format!("/api/v1/case-metrics?region=430407&group_by=grid&{period}"), Some(&command), None)
        .await;
    assert_eq!(s, 200, "{m}");
    let total = &m["total"];
    let expect = json!({
        "registered": 3, "due": 3, "closed": 2, "closed_on_time": 1,
        "close_rate": 2.0 / 3.0, "on_time_close_rate": 1.0 / 3.0,
        "handling_due": 2, "handled": 2, "handled_on_time": 2, "handle_rate": 1.0, "on_time_handle_rate": 1.0,
        "reworked": 1, "rework_rate": 0.5, "mean_handling_hours": 0.5,
    });
    assert_eq!(total, &expect);
    assert_eq!(m["rows"][0]["key"], "430407001001001");
    assert_eq!(m["rows"][0]["name"], "牛角巷第一网格");
    assert_eq!(m["rows"][0]["metrics"], expect);
    let (_, by_dep) = t
        .call(
            Method::GET,
            &format!("/api/v1/case-metrics?region=430407&group_by=department&{period}"),
            Some(&command),
            None,
        )
        .await;
    let deps: Vec<(&str, i64)> = by_dep["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| (r["name"].as_str().unwrap(), r["metrics"]["registered"].as_i64().unwrap()))
        .collect();
    assert_eq!(deps, [("未派遣", 1), ("环卫", 2)]);
    let (_, by_officer) = t
        .call(
            Method::GET,
            &format!("/api/v1/case-metrics?region=430407&group_by=officer&{period}"),
            Some(&command),
            None,
        )
        .await;
    assert_eq!(by_officer["rows"][0]["name"], "网格员 李敏");
    // The officer reads the metrics of their own grid only; a resident none.
    let (s, _) = t
        .call(Method::GET, &format!("/api/v1/case-metrics?region=430407001001001&{period}"), Some(&officer), None)
        .await;
    assert_eq!(s, 200);
    let (s, _) =
        t.call(Method::GET, &format!("/api/v1/case-metrics?region=430407&{period}"), Some(&officer), None).await;
    assert_eq!(s, 403);
    let resident = t.login("resident").await;
    let (s, _) =
        t.call(Method::GET, &format!("/api/v1/case-metrics?region=430407001001&{period}"), Some(&resident), None).await;
    assert_eq!(s, 403);

    // The XLSX export, read back with calamine, holds the same numbers.
    let resp = t
        .client
        .get(format!("{}/api/v1/case-metrics?region=430407&group_by=grid&format=xlsx&{period}", t.base))
        .bearer_auth(&command)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let bytes = resp.bytes().await.unwrap().to_vec();
    use calamine::{Reader, Xlsx};
    let mut wb: Xlsx<_> = calamine::open_workbook_from_rs(std::io::Cursor::new(bytes)).unwrap();
    let sheet = wb.worksheet_range("案件指标").unwrap();
    let rows: Vec<Vec<calamine::Data>> = sheet.rows().map(|r| r.to_vec()).collect();
    let header: Vec<String> = rows[0].iter().map(|c| c.to_string()).collect();
    assert_eq!(header, palmgrid_app::case_metrics::COLUMNS);
    let sum = rows.iter().find(|r| r[1] == "合计").expect("a total row");
    let cells: Vec<f64> = sum[2..].iter().map(|c| calamine::DataType::as_f64(c).unwrap()).collect();
    let keys = [
        "registered",
        "due",
        "closed",
        "closed_on_time",
        "close_rate",
        "on_time_close_rate",
        "handling_due",
        "handled",
        "handled_on_time",
        "handle_rate",
        "on_time_handle_rate",
        "reworked",
        "rework_rate",
        "mean_handling_hours",
    ];
    for (k, v) in keys.iter().zip(&cells) {
        assert!((total[k].as_f64().unwrap() - v).abs() < 1e-9, "{k}: xlsx {v} vs api {}", total[k]);
    }
    // The CSV too (rounded to four places).
    let csv = t
        .client
        .get(format!("{}/api/v1/case-metrics?region=430407&format=csv&{period}", t.base))
        .bearer_auth(&command)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let line = csv.lines().find(|l| l.contains("合计")).unwrap();
    assert_eq!(line, "430407,合计,3,3,2,1,0.6667,0.3333,2,2,2,1,1,1,0.5,0.5");
});

http_test!(video_evidence_keeps_recordings_past_retention_while_the_case_lives, recording(long_sessions()), |t| {
    let url = simcam(palmgrid_simcam::scene::SceneKind::GarbageLeft).await;
    let admin = t.login("admin").await;
    let body = json!({"name": "垃圾点", "url": url, "lon": IN_GRID.0, "lat": IN_GRID.1});
    let (s, cam) = t.call(Method::POST, "/api/v1/cameras", Some(&admin), Some(body)).await;
    assert_eq!(s, 201, "{cam}");
    let cam = cam["id"].as_str().unwrap().to_owned();
    let officer = t.login("officer").await;
    let (start, _) = wait_recorded(t, &officer, &cam, 3_000).await;
    let cam_path = format!("/api/v1/cameras/{cam}");
    let patch = |record: bool| t.call(Method::PATCH, &cam_path, Some(&admin), Some(json!({"record": record})));
    assert_eq!(patch(false).await.0, 200);
    // A second recording ten minutes later, which no case holds.
    t.clock.advance_ms(10 * MINUTE);
    assert_eq!(patch(true).await.0, 200);
    let mut second = None;
    for _ in 0..60 {
        let spans = t.app.store.camera_recordings(&cam).await.unwrap();
        if let Some(s) = spans.iter().find(|s| s.start_ms > start + 5 * MINUTE && s.end_ms - s.start_ms >= 1_000) {
            second = Some(s.id);
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(250)).await;
    }
    let have = t.app.store.camera_recordings(&cam).await.unwrap();
    let second = second.unwrap_or_else(|| panic!("a second recording; have {have:?} after {start}"));
    assert_eq!(patch(false).await.0, 200);
    t.clock.advance_ms(MINUTE);

    // A case seen on video: the camera's first recording becomes evidence.
    let body = json!({"category": "E0101", "description": "视频发现垃圾", "camera_id": cam,
                      "video_start": palmgrid_api::views::rfc3339(start + 500), "video_end": palmgrid_api::views::rfc3339(start + 2_500)});
    let rep = t.report(&officer, body).await;
    let id = rep["case"]["id"].as_str().unwrap().to_owned();
    assert_eq!(
        (rep["case"]["source"].as_str(), rep["case"]["grid_code"].as_str()),
        (Some("video"), Some("430407001001001"))
    );
    let (_, detail) = t.case(&officer, &id).await;
    let ev = &detail["evidence"][0];
    assert_eq!((ev["kind"].as_str(), ev["camera_id"].as_str()), (Some("video"), Some(cam.as_str())));
    assert_eq!(ev["sha256"].as_str().unwrap().len(), 64);
    // Its hash is the hash of the MP4 anyone with the right may download for that range.
    let mp4 = t
        .client
        .get(format!(
            "{}/api/v1/cameras/{cam}/recording.mp4?start={}&end={}&purpose=%E8%B0%83%E6%9F%A5",
            t.base,
            q(start + 500),
            q(start + 2_500)
        ))
        .bearer_auth(&officer)
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    assert_eq!(ev["sha256"], sha256_hex(&mp4));

    // 31 days on, past the camera's 30: the held recording stays, the other goes.
    t.clock.advance_ms(31 * 24 * 60 * MINUTE);
    let sweep = t.app.apply_retention().await.unwrap();
    let gone: Vec<i64> = sweep.expired.iter().map(|(_, id)| *id).collect();
    assert_eq!(gone, [second]);
    let left = t.app.store.camera_recordings(&cam).await.unwrap();
    assert_eq!(left.len(), 1);
    assert!(left[0].start_ms <= start + 500 && left[0].end_ms >= start + 2_500);
    // Once the case is cancelled, its hold ends and retention takes the recording.
    let supervision = t.login("supervision").await;
    let (s, _) = t.act(&supervision, &id, json!({"action": "cancel", "reason": "误报"})).await;
    assert_eq!(s, 200);
    t.clock.advance_ms(1);
    let sweep = t.app.apply_retention().await.unwrap();
    assert_eq!(sweep.expired.len(), 1);
    assert!(t.app.store.camera_recordings(&cam).await.unwrap().is_empty());
});

http_test!(open311_maps_services_and_requests, demo_auth(), |t| {
    let form = |pairs: &[(&str, &str)]| {
        pairs.iter().map(|(k, v)| format!("{k}={}", url_escape(v))).collect::<Vec<_>>().join("&")
    };
    let post = |body: String, bearer: Option<String>| {
        let mut r = t
            .client
            .post(format!("{}/open311/v2/requests.json", t.base))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body);
        if let Some(b) = bearer {
            r = r.bearer_auth(b);
        }
        r.send()
    };
    // services.json: one service per category leaf, with the spec's fields.
    let (_, services) = t.open311("services.json", None).await;
    let garbage_service = services.as_array().unwrap().iter().find(|s| s["service_code"] == "E0101").unwrap();
    for k in ["service_code", "service_name", "description", "metadata", "type", "keywords", "group"] {
        assert!(garbage_service.get(k).is_some(), "{k}");
    }
    assert_eq!(
        (garbage_service["service_name"].as_str(), garbage_service["type"].as_str()),
        (Some("暴露垃圾"), Some("realtime"))
    );

    let lat = IN_GRID.1.to_string();
    let lon = IN_GRID.0.to_string();
    let good = [
        ("service_code", "E0101"),
        ("lat", lat.as_str()),
        ("long", lon.as_str()),
        ("description", "垃圾"),
        ("first_name", "明"),
        ("last_name", "张"),
        ("phone", "13900000000"),
    ];
    // Without a key or token: refused with the spec's error body.
    let r = post(form(&good), None).await.unwrap();
    assert_eq!(r.status(), 401);
    let body: Value = r.json().await.unwrap();
    assert_eq!(body[0]["code"], 401);
    assert!(body[0]["description"].is_string());
    let r = post(form(&[&good[..], &[("api_key", "pgk_wrong")]].concat()), None).await.unwrap();
    assert_eq!(r.status(), 403);

    // An administrator issues a key.
    let admin = t.login("admin").await;
    let (s, k) = t.call(Method::POST, "/api/v1/api-keys", Some(&admin), Some(json!({"label": "12345 热线"}))).await;
    assert_eq!(s, 201, "{k}");
    let key = k["key"].as_str().unwrap().to_owned();
    let officer = t.login("officer").await;
    assert_eq!(t.call(Method::POST, "/api/v1/api-keys", Some(&officer), Some(json!({"label": "x"}))).await.0, 403);

    // Bad POSTs: 400 with [{code, description}].
    for (bad, status) in [
        (vec![("api_key", key.as_str()), ("lat", lat.as_str()), ("long", lon.as_str())], 400),
        (vec![("api_key", key.as_str()), ("service_code", "E0101"), ("address_string", "牛角巷")], 400),
        (vec![("api_key", key.as_str()), ("service_code", "E0101"), ("lat", "north"), ("long", lon.as_str())], 400),
        (vec![("api_key", key.as_str()), ("service_code", "X1"), ("lat", lat.as_str()), ("long", lon.as_str())], 404),
    ] {
        let r = post(form(&bad), None).await.unwrap();
        assert_eq!(r.status().as_u16(), status, "{bad:?}");
        let body: Value = r.json().await.unwrap();
        assert_eq!(body[0]["code"], status, "{body}");
        assert!(body[0]["description"].as_str().unwrap().len() > 3);
    }

    // A good POST with the key becomes a case of source open311 in the right grid.
    let r = post(form(&[&good[..], &[("api_key", key.as_str())]].concat()), None).await.unwrap();
    assert_eq!(r.status(), 200);
    let created: Value = r.json().await.unwrap();
    let number = created[0]["service_request_id"].as_str().unwrap().to_owned();
    assert!(created[0].get("service_notice").is_some() && created[0].get("account_id").is_some());
    let row = t.app.store.case_by_number(&number).await.unwrap().unwrap();
    assert_eq!(
        (row.source.as_str(), row.grid_code.as_deref(), row.reporter_name.as_str()),
        ("open311", Some("430407001001001"), "张明")
    );
    assert!(titles(t, &t.login("supervision").await).await.iter().any(|x| x.contains(&number)), "the centre is told");
    // With a bearer token too.
    let r = post(form(&good), Some(officer.clone())).await.unwrap();
    assert_eq!(r.status(), 200);
    let by_officer: Value = r.json().await.unwrap();

    // requests/{id}.json and requests.json with the spec's fields.
    let (_, one) = t.open311(&format!("requests/{number}.json?api_key={key}"), None).await;
    let req = &one[0];
    for k in [
        "service_request_id",
        "status",
        "status_notes",
        "service_name",
        "service_code",
        "description",
        "agency_responsible",
        "service_notice",
        "requested_datetime",
        "updated_datetime",
        "expected_datetime",
        "address",
        "address_id",
        "zipcode",
        "lat",
        "long",
        "media_url",
    ] {
        assert!(req.get(k).is_some(), "{k} in {req}");
    }
    assert_eq!((req["status"].as_str(), req["service_code"].as_str()), (Some("open"), Some("E0101")));
    assert_eq!(req["requested_datetime"], "2027-01-15T16:00:00+08:00");
    assert_eq!(req["lat"].as_f64(), Some(IN_GRID.1));
    // The key reads its own requests only; the officer's request is not among them.
    let (_, list) = t.open311(&format!("requests.json?api_key={key}"), None).await;
    let ids: Vec<&str> = list.as_array().unwrap().iter().map(|r| r["service_request_id"].as_str().unwrap()).collect();
    assert_eq!(ids, [number.as_str()]);
    let other = by_officer[0]["service_request_id"].as_str().unwrap();
    let (s, v) = t.open311(&format!("requests/{other}.json?api_key={key}"), None).await;
    assert_eq!((s.as_u16(), &v[0]["code"]), (404, &json!(404)));
    let (_, closed) = t.open311(&format!("requests.json?api_key={key}&status=closed"), None).await;
    assert_eq!(closed, json!([]));
    let (s, _) = t.open311(&format!("requests.json?api_key={key}&start_date=yesterday"), None).await;
    assert_eq!(s, 400);
    let (s, _) = t.open311(&format!("requests/{number}.xml?api_key={key}"), None).await;
    assert_eq!(s, 400);
    // The officer's token reads both (both are in their grid).
    let (_, mine) = t.open311("requests.json", Some(&officer)).await;
    assert_eq!(mine.as_array().unwrap().len(), 2);
});

fn url_escape(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}
