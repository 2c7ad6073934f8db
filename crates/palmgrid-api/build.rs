//! Builds the web app (`web/`) with npm when npm is available and embeds the result.
//!
//! Set `PALMGRID_SKIP_WEB_BUILD=1` to skip npm (the binary then serves a page explaining
//! how to build the app). The Vite output goes to `$OUT_DIR/web`, never into the source
//! tree.

use std::path::{Path, PathBuf};
use std::process::Command;

fn main() {
    let manifest = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").unwrap());
    let web = manifest.join("../../web").canonicalize().unwrap_or_else(|_| manifest.join("../../web"));
    let out = PathBuf::from(std::env::var("OUT_DIR").unwrap());
    let dist = out.join("web");
    println!("cargo:rerun-if-env-changed=PALMGRID_SKIP_WEB_BUILD");
    for p in [
        "src",
        "public",
        "index.html",
        "package.json",
        "package-lock.json",
        "vite.config.ts",
        "openapi.json",
        "tsconfig.json",
        "tsconfig.app.json",
        "tsconfig.node.json",
    ] {
        println!("cargo:rerun-if-changed={}", web.join(p).display());
    }
    let skip = std::env::var("PALMGRID_SKIP_WEB_BUILD").is_ok_and(|v| v == "1");
    let built = !skip && web.join("package.json").exists() && build_web(&web, &dist);
    let mut code = String::new();
    if built {
        let mut files = Vec::new();
        collect(&dist, &dist, &mut files);
        files.sort();
        code.push_str("pub const BUILT: bool = true;\npub static ASSETS: &[(&str, &[u8])] = &[\n");
        for (rel, abs) in files {
            code.push_str(&format!("    ({rel:?}, include_bytes!({:?})),\n", abs.display().to_string()));
        }
        code.push_str("];\n");
    } else {
        let page = out.join("fallback-index.html");
        std::fs::write(&page, FALLBACK).unwrap();
        code.push_str("pub const BUILT: bool = false;\npub static ASSETS: &[(&str, &[u8])] = &[\n");
        code.push_str(&format!("    (\"index.html\", include_bytes!({:?})),\n];\n", page.display().to_string()));
    }
    std::fs::write(out.join("web_assets.rs"), code).unwrap();
}

fn npm() -> Command {
    Command::new("npm")
}

fn build_web(web: &Path, dist: &Path) -> bool {
    if npm().arg("--version").output().is_err() {
        println!("cargo:warning=npm not found: the web app is not built; the binary serves a how-to-build page");
        return false;
    }
    if !web.join("node_modules").exists() {
        let ok = npm().args(["ci", "--no-audit", "--no-fund"]).current_dir(web).status().is_ok_and(|s| s.success());
        if !ok {
            println!("cargo:warning=`npm ci` failed in web/: the web app is not built");
            return false;
        }
    }
    let _ = std::fs::remove_dir_all(dist);
    let status = npm().args(["run", "build"]).env("PALMGRID_WEB_OUT", dist).current_dir(web).status();
    if !status.is_ok_and(|s| s.success()) || !dist.join("index.html").exists() {
        println!("cargo:warning=`npm run build` failed in web/: the web app is not built");
        return false;
    }
    true
}

fn collect(root: &Path, dir: &Path, out: &mut Vec<(String, PathBuf)>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() {
            collect(root, &p, out);
        } else {
            let rel = p.strip_prefix(root).unwrap().to_string_lossy().replace('\\', "/");
            out.push((rel, p));
        }
    }
}

const FALLBACK: &str = r#"<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>palmgrid</title></head>
<body style="font-family: sans-serif; max-width: 36em; margin: 2em auto; padding: 0 1em">
<h1>掌上网格 palmgrid</h1>
<p>网页应用尚未构建。请安装 Node.js 和 npm，然后重新编译：</p>
<p>The web app was not built into this binary. Install Node.js (20+) and npm, then rebuild:</p>
<pre>cargo build --release</pre>
<p>The API is available under <code>/api/v1/</code>; its description is at
<a href="/api/v1/openapi.json">/api/v1/openapi.json</a>.</p>
</body></html>
"#;
