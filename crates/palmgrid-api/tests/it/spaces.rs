//! 掌上社区 over HTTP on both databases: buildings that invites and notices point at, action
//! items whose progress follows weighted sub-tasks, and pictures in the group chat.

use super::*;

const COMMUNITY: &str = "/api/v1/communities/430407001001";

/// Logs in with a password (accounts made during the test).
async fn login_as(t: &TestApp, username: &str) -> String {
    let body = json!({"username": username, "password": "a-long-enough-password-1"});
    let (s, v) = t.call(Method::POST, "/api/v1/auth/login", None, Some(body)).await;
    assert_eq!(s, 200, "{v}");
    v["token"].as_str().unwrap().to_owned()
}

http_test!(invites_and_notices_point_at_buildings_and_reach_only_their_residents, demo_auth(), |t| {
    let tok = t.logins(&["officer", "resident", "property", "traffic"]).await;
    let buildings = format!("{COMMUNITY}/buildings");
    // The demo community lists its buildings to members, by name, with their grids.
    let (s, list) = t.call(Method::GET, &buildings, Some(&tok["resident"]), None).await;
    assert_eq!(s, 200, "{list}");
    let names: Vec<&str> = list["items"].as_array().unwrap().iter().map(|b| b["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["1栋", "2栋", "3栋", "5栋"]);
    let id_of = |name: &str| {
        list["items"].as_array().unwrap().iter().find(|b| b["name"] == name).unwrap()["id"].as_str().unwrap().to_owned()
    };
    let (b1, b3) = (id_of("1栋"), id_of("3栋"));
    assert_eq!(list["items"][2]["grid"], "430407001001002");
    assert_eq!(t.call(Method::GET, &buildings, Some(&tok["traffic"]), None).await.0, 404, "not a member");

    // Staff add one; members may not; names are unique; the grid must be the community's.
    let six = json!({"name": "6栋", "grid": "430407001001002"});
    assert_eq!(t.call(Method::POST, &buildings, Some(&tok["resident"]), Some(six.clone())).await.0, 403);
    let (s, b6) = t.call(Method::POST, &buildings, Some(&tok["officer"]), Some(six.clone())).await;
    assert_eq!((s.as_u16(), b6["grid"].as_str()), (201, Some("430407001001002")), "{b6}");
    assert_eq!(t.call(Method::POST, &buildings, Some(&tok["officer"]), Some(six)).await.0, 409);
    let bad = json!({"name": "7栋", "grid": "430407001002001"});
    assert_eq!(t.call(Method::POST, &buildings, Some(&tok["officer"]), Some(bad)).await.0, 422);

    // An invite for a flat in 3栋: a target elsewhere is refused; the building decides the grid.
    let invites = format!("{COMMUNITY}/invites");
    let wrong = json!({"address": "1单元 502", "building_id": b3, "target": "430407001001001"});
    let (s, v) = t.call(Method::POST, &invites, Some(&tok["officer"]), Some(wrong)).await;
    assert_eq!(s, 422, "{v}");
    let other = json!({"address": "1单元 502", "building_id": "no-such-building"});
    assert_eq!(t.call(Method::POST, &invites, Some(&tok["officer"]), Some(other)).await.0, 422);
    let (s, inv) = t
        .call(Method::POST, &invites, Some(&tok["officer"]), Some(json!({"address": "1单元 502", "building_id": b3})))
        .await;
    assert_eq!(s, 201, "{inv}");
    let join = json!({"code": inv["code"], "username": "sun8", "display_name": "居民 孙八",
        "password": "a-long-enough-password-1"});
    let (s, joined) = t.call(Method::POST, "/api/v1/join", None, Some(join)).await;
    assert_eq!(s, 201, "{joined}");
    let (_, reqs) = t.call(Method::GET, &format!("{COMMUNITY}/join-requests"), Some(&tok["officer"]), None).await;
    let req = reqs["items"].as_array().unwrap().iter().find(|r| r["username"] == "sun8").unwrap().clone();
    assert_eq!((req["building"].as_str(), req["id"].clone()), (Some("3栋"), joined["request_id"].clone()));
    let decide = format!("/api/v1/join-requests/{}/decision", req["id"].as_str().unwrap());
    assert_eq!(t.call(Method::POST, &decide, Some(&tok["officer"]), Some(json!({"verify": true}))).await.0, 204);
    let newcomer = login_as(t, "sun8").await;
    // Verified: a resident of 3栋's grid, with the home on the member list the staff see.
    let (_, members) = t.call(Method::GET, &format!("{COMMUNITY}/members"), Some(&tok["officer"]), None).await;
    let m = members["items"].as_array().unwrap().iter().find(|m| m["username"] == "sun8").unwrap().clone();
    assert_eq!(
        (m["region_code"].as_str(), m["building"].as_str(), m["address"].as_str()),
        (Some("430407001001002"), Some("3栋"), Some("1单元 502"))
    );
    let w = members["items"].as_array().unwrap().iter().find(|m| m["username"] == "resident").unwrap().clone();
    assert_eq!(w["building"], "1栋", "the demo resident lives in 1栋");

    // A notice to 1栋 reaches the resident who lives there, not the newcomer in 3栋 nor the
    // property manager (who lives in none); the staff see it; receipts count 1栋 only.
    let notices = format!("{COMMUNITY}/notices");
    let (s, n1) = t
        .call(
            Method::POST,
            &notices,
            Some(&tok["officer"]),
            Some(json!({"title": "1栋停水通知", "body": "明天九点至十二点停水。", "building_id": b1})),
        )
        .await;
    assert_eq!((s.as_u16(), n1["building_id"].as_str()), (201, Some(b1.as_str())), "{n1}");
    let titles = |who: String| {
        let (t, notices) = (&t, &notices);
        async move {
            let (_, v) = t.call(Method::GET, notices, Some(&who), None).await;
            v["items"].as_array().unwrap().iter().map(|n| n["title"].as_str().unwrap().to_owned()).collect::<Vec<_>>()
        }
    };
    assert_eq!(titles(tok["resident"].clone()).await, ["1栋停水通知"]);
    assert!(titles(newcomer.clone()).await.is_empty());
    assert!(titles(tok["property"].clone()).await.is_empty());
    assert_eq!(titles(tok["officer"].clone()).await, ["1栋停水通知"]);
    let one = format!("/api/v1/notices/{}", n1["id"].as_str().unwrap());
    assert_eq!(t.call(Method::GET, &one, Some(&newcomer), None).await.0, 404);
    assert_eq!(t.call(Method::GET, &one, Some(&tok["resident"]), None).await.0, 200);
    let (_, r) = t.call(Method::GET, &format!("{one}/receipts"), Some(&tok["officer"]), None).await;
    assert_eq!(
        (r["audience"].as_u64(), r["readers"].clone(), r["unread"].clone()),
        (Some(1), json!(["居民 王芳"]), json!([]))
    );
    // A notice to 3栋 reaches the newcomer.
    let (s, _) = t
        .call(
            Method::POST,
            &notices,
            Some(&tok["officer"]),
            Some(json!({"title": "3栋电梯检修", "body": "周六电梯停运。", "building_id": b3})),
        )
        .await;
    assert_eq!(s, 201);
    assert_eq!(titles(newcomer).await, ["3栋电梯检修"]);
    assert_eq!(titles(tok["resident"].clone()).await, ["1栋停水通知"]);
});

http_test!(an_items_progress_follows_its_weighted_sub_tasks, demo_auth(), |t| {
    let tok = t.logins(&["officer", "resident", "property", "traffic"]).await;
    let property_id = t.app.store.user_by_username("property").await.unwrap().unwrap().id;
    let (s, item) = t
        .call(
            Method::POST,
            &format!("{COMMUNITY}/action-items"),
            Some(&tok["officer"]),
            Some(json!({"title": "整治楼道堆物", "owner_id": property_id})),
        )
        .await;
    assert_eq!(s, 201, "{item}");
    let id = item["id"].as_str().unwrap().to_owned();
    let subtasks = format!("/api/v1/action-items/{id}/subtasks");
    let add = |who: &'static str, title: &'static str, weight: i64| {
        let (t, tok, subtasks) = (&t, &tok, &subtasks);
        async move { t.call(Method::POST, subtasks, Some(&tok[who]), Some(json!({"title": title, "weight": weight}))).await }
    };
    assert_eq!(add("resident", "清点", 1).await.0, 403, "only the owner and the staff");
    assert_eq!(add("traffic", "清点", 1).await.0, 404);
    assert_eq!(add("property", "清点", 0).await.0, 422);
    assert_eq!(add("property", "清点", 101).await.0, 422);
    let (s, a) = add("property", "张贴告示", 1).await;
    assert_eq!((s.as_u16(), a["progress"].as_i64()), (201, Some(0)), "{a}");
    let (_, b) = add("officer", "清运杂物", 2).await;
    let (_, c) = add("property", "回访检查", 1).await;
    let tick = |sub: &Value, done: bool, who: &'static str| {
        let path = format!("/api/v1/action-subtasks/{}", sub["subtask"]["id"].as_str().unwrap());
        let (t, tok) = (&t, &tok);
        async move { t.call(Method::PUT, &path, Some(&tok[who]), Some(json!({"done": done}))).await }
    };
    // Weights 1 + 2 + 1: the heavy one done is half.
    let (s, v) = tick(&b, true, "property").await;
    assert_eq!((s.as_u16(), v["progress"].as_i64(), v["subtask"]["done"].as_bool()), (200, Some(50), Some(true)));
    assert_eq!(v["subtask"]["done_by_name"], "物业经理 吴敏");
    assert_eq!(tick(&b, true, "property").await.0, 409, "done already");
    assert_eq!(tick(&b, true, "resident").await.0, 403);
    // A reported percentage cannot contradict the sub-tasks; a note at the same one can.
    let updates = format!("/api/v1/action-items/{id}/updates");
    let (s, v) =
        t.call(Method::POST, &updates, Some(&tok["property"]), Some(json!({"body": "差不多了", "progress": 90}))).await;
    assert_eq!(s, 422, "{v}");
    let note = json!({"body": "杂物已全部运走", "progress": 50});
    assert_eq!(t.call(Method::POST, &updates, Some(&tok["property"]), Some(note)).await.0, 201);
    // Two ticks at once are both counted.
    let (x, y) = tokio::join!(tick(&a, true, "property"), tick(&c, true, "officer"));
    assert_eq!((x.0.as_u16(), y.0.as_u16()), (200, 200), "{x:?} {y:?}");
    let (_, d) = t.call(Method::GET, &format!("/api/v1/action-items/{id}"), Some(&tok["resident"]), None).await;
    assert_eq!((d["item"]["progress"].as_i64(), d["item"]["status"].as_str()), (Some(100), Some("done")), "{d}");
    assert_eq!(d["subtasks"].as_array().unwrap().iter().filter(|s| s["done"] == true).count(), 3);
    assert_eq!(d["may_work"], false, "the resident only reads");
    let bodies: Vec<&str> = d["updates"].as_array().unwrap().iter().map(|u| u["body"].as_str().unwrap()).collect();
    assert!(bodies.contains(&"完成子任务「清运杂物」"), "{bodies:?}");
    assert!(bodies.contains(&"新增子任务「回访检查」（权重 1）"), "{bodies:?}");
    // Reopening takes it back below 100 %.
    let (_, v) = tick(&c, false, "property").await;
    assert_eq!(v["progress"], 75);
    assert_eq!(tick(&c, false, "property").await.0, 409, "not done");
    let (_, d) = t.call(Method::GET, &format!("/api/v1/action-items/{id}"), Some(&tok["property"]), None).await;
    assert_eq!((d["item"]["status"].as_str(), d["may_work"].as_bool()), (Some("in_progress"), Some(true)));
});

http_test!(chat_pictures_reach_members_without_metadata, demo_auth(), |t| {
    let tok = t.logins(&["resident", "property", "traffic"]).await;
    let mut ws = super::community::chat_client(t, &tok["property"]).await;
    let post = |who: &'static str, caption: &'static str, bytes: Vec<u8>| {
        let (t, tok) = (&t, &tok);
        async move {
            t.client
                .post(format!("{}{COMMUNITY}/chat/images?caption={}", t.base, urlencode(caption)))
                .bearer_auth(&tok[who])
                .header("content-type", "image/jpeg")
                .body(bytes)
                .send()
                .await
                .unwrap()
        }
    };
    let photo = super::cases::photo_with_gps();
    assert_eq!(post("traffic", "", photo.clone()).await.status(), 404, "not a member");
    assert_eq!(post("resident", "", b"GIF89a not a jpeg".to_vec()).await.status(), 422);
    let r = post("resident", "楼下的共享单车堆成山了", photo).await;
    assert_eq!(r.status(), 201);
    let m: Value = r.json().await.unwrap();
    let image = m["image_id"].as_str().unwrap().to_owned();
    assert_eq!(m["body"], "楼下的共享单车堆成山了");
    // The other member receives it live, then anyone of the community can load it.
    let live = super::community::next_json(&mut ws).await;
    assert_eq!((live["image_id"].as_str(), live["author_name"].as_str()), (Some(image.as_str()), Some("居民 王芳")));
    let get = |who: &'static str| {
        let (t, tok, image) = (&t, &tok, &image);
        async move {
            t.client.get(format!("{}/api/v1/chat-images/{image}", t.base)).bearer_auth(&tok[who]).send().await.unwrap()
        }
    };
    let got = get("property").await;
    assert_eq!(got.status(), 200);
    let jpeg = got.bytes().await.unwrap();
    assert!(jpeg.starts_with(&[0xFF, 0xD8]) && !jpeg.windows(4).any(|w| w == b"Exif"), "a JPEG without EXIF");
    assert_eq!(get("traffic").await.status(), 404);
    // History carries it too.
    let (_, h) = t.call(Method::GET, &format!("{COMMUNITY}/chat"), Some(&tok["property"]), None).await;
    assert_eq!(h["items"].as_array().unwrap().last().unwrap()["image_id"], image.as_str());
});

fn urlencode(s: &str) -> String {
    s.bytes().map(|b| if b.is_ascii_alphanumeric() { (b as char).to_string() } else { format!("%{b:02X}") }).collect()
}
