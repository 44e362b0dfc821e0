//! `joinedup serve` driven as an operator would: a real store, the real binary, SIGTERM.

use crate::*;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};

/// A running `joinedup serve` and the address it listens on.
pub struct Server {
    pub child: Child,
    pub addr: String,
    pub log: std::sync::Arc<std::sync::Mutex<String>>,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts `joinedup serve` with `args` in `dir` on a free port and waits until it listens.
pub fn start(dir: &Path, args: &[&str]) -> Server {
    let mut child = Command::new(env!("CARGO_BIN_EXE_joinedup"))
        .arg("serve")
        .args(["--addr", "127.0.0.1:0"])
        .args(args)
        .current_dir(dir)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the binary runs");
    let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
    let log = std::sync::Arc::new(std::sync::Mutex::new(String::new()));
    let mut addr = None;
    for line in lines.by_ref() {
        let line = line.unwrap();
        log.lock().unwrap().push_str(&format!("{line}\n"));
        if let Some(rest) = line.split(" at http://").nth(1) {
            addr = Some(rest.trim_end_matches('/').to_string());
            break;
        }
    }
    let addr = addr.unwrap_or_else(|| panic!("serve did not start: {}", log.lock().unwrap()));
    // Keep reading stderr so the server never blocks on a full pipe.
    let sink = log.clone();
    std::thread::spawn(move || {
        for line in lines.map_while(Result::ok) {
            sink.lock().unwrap().push_str(&format!("{line}\n"));
        }
    });
    Server { child, addr, log }
}

/// One HTTP/1.1 request (connection closed after it): status and body.
pub fn http(
    addr: &str,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &str,
) -> (u16, String) {
    // A refused connection (the server has stopped) is status 0.
    let Ok(mut s) = TcpStream::connect(addr) else {
        return (0, String::new());
    };
    let mut req = format!(
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\nContent-Length: {}\r\n",
        body.len()
    );
    for (k, v) in headers {
        req.push_str(&format!("{k}: {v}\r\n"));
    }
    req.push_str("\r\n");
    req.push_str(body);
    if s.write_all(req.as_bytes()).is_err() {
        return (0, String::new());
    }
    let mut out = String::new();
    if s.read_to_string(&mut out).is_err() {
        return (0, out);
    }
    let status = out
        .split(' ')
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or(0);
    let body = out
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_string())
        .unwrap_or_default();
    (status, body)
}

/// A store with the spec's example and one user `coord` (discharge coordinator) in `dir`.
fn store_with_a_user(dir: &Path) {
    ok(joinedup(
        dir,
        &[
            "import",
            "--db",
            "store.db",
            "orgs.csv",
            "population.csv",
            "events.jsonl",
        ],
    ));
    let mut add = Command::new(env!("CARGO_BIN_EXE_joinedup"))
        .args([
            "users",
            "--db",
            "store.db",
            "add",
            "coord",
            "--org",
            "RJE",
            "--roles",
            "discharge_coordinator",
        ])
        .current_dir(dir)
        .stdin(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    add.stdin
        .take()
        .unwrap()
        .write_all(b"a long password\n")
        .unwrap();
    let o = add.wait_with_output().unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
}

fn token(addr: &str) -> String {
    let (status, body) = http(
        addr,
        "POST",
        "/api/session",
        &[("Content-Type", "application/json")],
        r#"{"username":"coord","password":"a long password"}"#,
    );
    assert_eq!(status, 200, "{body}");
    let v: serde_json::Value = serde_json::from_str(&body).unwrap();
    v["token"].as_str().unwrap().to_string()
}

#[test]
fn sigterm_lets_requests_finish_and_loses_no_acknowledged_write() {
    let dir = setup(SPEC_EXAMPLE);
    store_with_a_user(dir.path());
    let server = start(dir.path(), &["--db", "store.db"]);
    let addr = server.addr.clone();
    let bearer = format!("Bearer {}", token(&addr));
    // Writers append residence changes (each its own id and instant) as fast as they can.
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let writers: Vec<_> = (0..6)
        .map(|w| {
            let (addr, bearer, stop) = (addr.clone(), bearer.clone(), stop.clone());
            std::thread::spawn(move || {
                let mut acknowledged = Vec::new();
                for i in 0..100_000 {
                    if stop.load(std::sync::atomic::Ordering::Relaxed) {
                        break;
                    }
                    let id = format!("w{w}-{i}");
                    let line = format!(
                        r#"{{"id":"{id}","kind":"residence_changed","at":"2017-0{}-01T{:02}:{:02}:{:02}Z","person":"9434765919","residence":"own_home"}}"#,
                        3 + w % 6, (i / 3600) % 24, (i / 60) % 60, i % 60
                    );
                    let (status, body) = http(&addr, "POST", "/api/events", &[("Authorization", &bearer), ("Content-Type", "application/x-ndjson")], &line);
                    match status {
                        201 => acknowledged.push(id),
                        0 | 503 => break, // the server has stopped taking connections
                        s => panic!("{s}: {body}"),
                    }
                }
                acknowledged
            })
        })
        .collect();
    std::thread::sleep(std::time::Duration::from_millis(1500));
    let pid = server.child.id().to_string();
    assert!(Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .unwrap()
        .success());
    let mut server = server;
    let status = server.child.wait().unwrap();
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    let acknowledged: Vec<String> = writers
        .into_iter()
        .flat_map(|w| w.join().unwrap())
        .collect();
    assert!(
        status.success(),
        "exit {status:?}: {}",
        server.log.lock().unwrap()
    );
    assert!(
        acknowledged.len() > 10,
        "only {} appends",
        acknowledged.len()
    );
    // Every acknowledged event is in the store, read back by another process.
    ok(joinedup(
        dir.path(),
        &["export", "--db", "store.db", "--out", "out"],
    ));
    let stored = std::fs::read_to_string(dir.path().join("out/events.jsonl")).unwrap();
    let ids: std::collections::HashSet<&str> = stored
        .lines()
        .filter_map(|l| l.split("\"id\":\"").nth(1)?.split('"').next())
        .collect();
    let lost: Vec<&String> = acknowledged
        .iter()
        .filter(|a| !ids.contains(a.as_str()))
        .collect();
    assert!(
        lost.is_empty(),
        "{} acknowledged appends lost, e.g. {:?}",
        lost.len(),
        lost.first()
    );
}
