//! Privacy regions and masked snapshots, on both databases.

use super::*;

http_test!(masked_snapshots_fill_every_pixel_of_the_privacy_regions, with_local_cameras(demo_auth()), |t| {
    let url = simcam(palmgrid_simcam::scene::SceneKind::PeopleWalking).await;
    let admin = t.login("admin").await;
    let body = json!({"name": "楼栋入口", "url": url, "grid_code": "430407001001001"});
    let (s, cam) = t.call(Method::POST, "/api/v1/cameras", Some(&admin), Some(body)).await;
    assert_eq!(s, 201, "{cam}");
    let id = cam["id"].as_str().unwrap().to_owned();
    let path = format!("/api/v1/cameras/{id}/privacy-mask");
    // A window of a flat (a rectangle) and a balcony (a triangle).
    let mask = json!({"regions": [
        [[0.1, 0.1], [0.35, 0.1], [0.35, 0.4], [0.1, 0.4]],
        [[0.6, 0.5], [0.95, 0.55], [0.7, 0.9]]
    ]});
    let officer = t.login("officer").await;
    assert_eq!(t.call(Method::PUT, &path, Some(&officer), Some(mask.clone())).await.0, 403);
    for bad in
        [json!({"regions": [[[0.1, 0.1], [0.2, 0.2]]]}), json!({"regions": [[[0.1, 0.1], [1.5, 0.1], [0.1, 0.5]]]})]
    {
        assert_eq!(t.call(Method::PUT, &path, Some(&admin), Some(bad)).await.0, 422);
    }
    assert_eq!(t.call(Method::PUT, &path, Some(&admin), Some(mask.clone())).await.0, 204);
    let (s, stored) = t.call(Method::GET, &path, Some(&officer), None).await;
    assert_eq!((s.as_u16(), &stored), (200, &mask));

    let resp = t
        .client
        .get(format!("{}/api/v1/cameras/{id}/masked.png?purpose=%E8%AE%AE%E9%A2%98", t.base))
        .bearer_auth(&officer)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    assert_eq!(resp.headers()["content-type"], "image/png");
    let png = resp.bytes().await.unwrap();
    let img = image::load_from_memory_with_format(&png, image::ImageFormat::Png).unwrap().to_rgb8();
    let (w, h) = (img.width() as f64, img.height() as f64);
    let regions: Vec<Vec<(f64, f64)>> = mask["regions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            r.as_array().unwrap().iter().map(|p| (p[0].as_f64().unwrap() * w, p[1].as_f64().unwrap() * h)).collect()
        })
        .collect();
    let inside = |poly: &[(f64, f64)], x: f64, y: f64| {
        let mut c = false;
        for i in 0..poly.len() {
            let (a, b) = (poly[i], poly[(i + poly.len() - 1) % poly.len()]);
            if (a.1 > y) != (b.1 > y) && x < (b.0 - a.0) * (y - a.1) / (b.1 - a.1) + a.0 {
                c = !c;
            }
        }
        c
    };
    let fill = image::Rgb(palmgrid_domain::privacy::FILL);
    let (mut masked, mut outside_not_fill) = (0, 0);
    for (x, y, p) in img.enumerate_pixels() {
        let (cx, cy) = (x as f64 + 0.5, y as f64 + 0.5);
        if regions.iter().any(|r| inside(r, cx, cy)) {
            assert_eq!(*p, fill, "pixel ({x}, {y}) inside a privacy region");
            masked += 1;
        } else if *p != fill {
            outside_not_fill += 1;
        }
    }
    let area = 0.25 * 0.3 + 0.5 * ((0.95f64 - 0.6) * (0.9 - 0.5) - (0.7f64 - 0.6) * (0.55 - 0.5)).abs() / 1.0;
    assert!(masked as f64 > 0.9 * area * w * h, "{masked} masked pixels");
    assert!(outside_not_fill as f64 > 0.5 * w * h, "the rest of the picture is the picture");
    // Residents get no camera picture at all, masked or not: to them the camera does not exist.
    let resident = t.login("resident").await;
    let r = t
        .client
        .get(format!("{}/api/v1/cameras/{id}/masked.png?purpose=x", t.base))
        .bearer_auth(&resident)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
    // The view is audited as a masked snapshot.
    let auditor = t.login("auditor").await;
    let (_, log) = t.call(Method::GET, "/api/v1/audit?action=video.snapshot&limit=10", Some(&auditor), None).await;
    assert_eq!(log["items"][0]["details"]["masked"], true, "{log}");
    let (_, log) = t.call(Method::GET, "/api/v1/audit?action=camera.privacy_mask&limit=10", Some(&auditor), None).await;
    assert_eq!(log["items"].as_array().unwrap().len(), 1);
});
