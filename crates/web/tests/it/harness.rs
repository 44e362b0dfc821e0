//! The suite's harness: a store per test on each back end, the service on a real socket
//! (127.0.0.1, a port of its own), and a blocking HTTP client that follows no redirect and keeps
//! no cookie by itself, so that every test sees exactly what a client is sent.

use chrono::NaiveDate;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use std::time::Duration;
use store::{Access, Accounts, Location, NewUser};

/// The date the service under test takes as today.
pub fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2017, 5, 1).expect("a date")
}

/// The password of every test user.
pub const PASSWORD: &str = "correct horse battery staple";

/// One user per role, named for it, each in an organisation of the example register that fits
/// the role (as the demo's users are).
pub const USERS: [(&str, &str); 8] = [
    ("discharge_coordinator", "RJE"),
    ("social_worker", "00W"),
    ("broker", "00W"),
    ("provider", "RH001"),
    ("gp", "M83041"),
    ("voluntary_sector", "VOL01"),
    ("analyst", "05W"),
    ("admin", "05W"),
];

/// The shipped example log and registers.
pub fn example(file: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../examples/stoke-mini")
        .join(file)
}

/// A back end the suite runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// The back ends every test runs on.
///
/// PostgreSQL joins as one more variant: `Backend::Postgres`, pushed here when
/// `store::testing::fresh_postgres()` gives a database, with [`Backend::fresh`] keeping that
/// database's guard in [`TestStore::_pg`] and [`TestStore::open_accounts`] opening the
/// PostgreSQL accounts for its URL. Nothing else of the suite names a back end: importing,
/// opening the log and counting events go through [`store::Location`].
pub fn backends() -> Vec<Backend> {
    let mut b = vec![Backend::Sqlite];
    match std::env::var(store::testing::TEST_DATABASE_URL) {
        Ok(u) if !u.is_empty() => b.push(Backend::Postgres),
        _ => eprintln!(
            "notice: {} is unset: the suite runs on SQLite only",
            store::testing::TEST_DATABASE_URL
        ),
    }
    b
}

/// Runs each listed test (a `fn(Backend)` of the enclosing module) once per back end.
#[macro_export]
macro_rules! on_each_backend {
    ($($name:ident),* $(,)?) => {
        mod on_each_backend {
            $(
                #[test]
                fn $name() {
                    for b in $crate::harness::backends() {
                        eprintln!("{}: on {b:?}", stringify!($name));
                        super::$name(b);
                    }
                }
            )*
        }
    };
}

/// A fresh store of one back end holding the example log, its registers and the test users.
pub struct TestStore {
    pub location: Location,
    _dir: tempfile::TempDir,
    /// Drops the test database (after the server that uses it has stopped).
    _pg: Option<store::testing::PgTestDatabase>,
}

impl Backend {
    /// A new, empty place for a store.
    pub fn fresh(self) -> TestStore {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let (location, pg) = match self {
            Backend::Sqlite => (Location::Sqlite(dir.path().join("joinedup.db")), None),
            Backend::Postgres => {
                let (url, guard) =
                    store::testing::fresh_postgres().expect("the PostgreSQL test cluster");
                (Location::Postgres(url), Some(guard))
            }
        };
        TestStore {
            location,
            _dir: dir,
            _pg: pg,
        }
    }

    /// A fresh store with the example log and the test users.
    pub fn seeded(self) -> TestStore {
        let s = self.fresh();
        s.import(&[
            example("orgs.csv"),
            example("population.csv"),
            example("events.jsonl"),
        ]);
        s.add_users();
        s
    }
}

/// An argon2 hash of [`PASSWORD`], made once (hashing is deliberately slow).
fn password_hash() -> &'static str {
    static HASH: OnceLock<String> = OnceLock::new();
    HASH.get_or_init(|| web::hash_password(PASSWORD).expect("a hash"))
}

impl TestStore {
    pub fn import(&self, files: &[PathBuf]) {
        store::import_into(&self.location, files, Duration::from_secs(60), &|_| {})
            .unwrap_or_else(|e| panic!("importing {files:?}: {e}"));
    }

    /// The store's accounts, on a connection of their own.
    pub fn open_accounts(&self) -> Box<dyn Accounts> {
        store::open_accounts(&self.location).expect("the accounts")
    }

    pub fn add_users(&self) {
        let mut accounts = self.open_accounts();
        for (role, org) in USERS {
            accounts
                .add_user(
                    &NewUser {
                        username: role.into(),
                        org: org.into(),
                        roles: vec![role.into()],
                        password_hash: password_hash().into(),
                    },
                    chrono::Utc::now().timestamp(),
                )
                .expect("a new user");
        }
    }

    /// How many events the store holds, read on a connection of its own.
    pub fn event_count(&self) -> u64 {
        let s = store::open(&self.location, Access::Read).expect("the store opens");
        s.event_count().expect("the events are counted")
    }

    /// The JSON of `joinedup metrics --db <this store> --format json --from --to [--by month]`,
    /// computed as that command computes it: every stored event parsed and folded into fresh
    /// facts, one report per period.
    pub fn metrics_json(&self, from: NaiveDate, to: NaiveDate, by_month: bool) -> String {
        let s = store::open(&self.location, Access::Read).expect("the store opens");
        let mut read = None;
        s.read(&mut |held| {
            let orgs = held.orgs()?;
            let population = held.population()?.expect("a population register");
            let mut facts = indicators::JourneyFacts::new();
            held.scan(&mut |raw| {
                let p = journey_log::parse_line(raw, &orgs).expect("a stored event parses");
                facts.push(&p.event);
            })?;
            read = Some((orgs, population, facts));
            Ok(())
        })
        .expect("the store reads");
        let (orgs, population, facts) = read.expect("the read ran");
        let benchmarks = indicators::BenchmarkSet::stoke_2017();
        let ctx = indicators::Context {
            orgs: &orgs,
            population: &population,
            benchmarks: &benchmarks,
            zone: domain::Zone::default(),
        };
        let period = indicators::Period::new(from, to).expect("a period");
        let periods = if by_month {
            period.months()
        } else {
            vec![period]
        };
        let journeys = facts.finish();
        let reports: Vec<_> = periods.iter().map(|p| journeys.report(*p, &ctx)).collect();
        let v = if by_month {
            indicators::periods_json(&reports)
        } else {
            reports[0].to_json()
        };
        serde_json::to_string_pretty(&v).expect("JSON") + "\n"
    }
}

/// The service on 127.0.0.1, over a store, until dropped (then shut down gracefully).
pub struct Server {
    pub store: TestStore,
    pub addr: SocketAddr,
    agent: ureq::Agent,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<std::io::Result<()>>>,
}

/// The configuration of the service under test: today fixed, the store's kind.
pub fn config(store: &TestStore) -> web::Config {
    web::Config {
        today: Some(today()),
        store_kind: store.location.kind(),
        ..web::Config::default()
    }
}

impl Server {
    /// The service over the example store, with the default configuration.
    pub fn start(b: Backend) -> Server {
        Server::start_with(b, |_| {})
    }

    /// The service over the example store, its configuration changed by `change`.
    pub fn start_with(b: Backend, change: impl FnOnce(&mut web::Config)) -> Server {
        let store = b.seeded();
        let mut cfg = config(&store);
        change(&mut cfg);
        Server::on(store, cfg)
    }

    /// The service over `store` with `cfg`.
    pub fn on(store: TestStore, cfg: web::Config) -> Server {
        let audit = store::open_audit(&store.location).expect("the audit log opens");
        Server::on_with_audit(store, cfg, Some(audit))
    }

    /// A second service over this one's store (as another process would run), with `cfg`.
    /// Drop it before this one (the store goes with this one).
    pub fn beside(&self, cfg: web::Config) -> Server {
        let store = TestStore {
            location: self.store.location.clone(),
            _dir: tempfile::tempdir().expect("a temporary directory"),
            _pg: None,
        };
        Server::on(store, cfg)
    }

    /// The service over `store` with `cfg`, recording into `audit` (`None`: no audit log).
    pub fn on_with_audit(
        store: TestStore,
        cfg: web::Config,
        audit: Option<Box<dyn store::AuditLog>>,
    ) -> Server {
        let log = store::open(&store.location, Access::Write).expect("the store opens");
        let live = live_log::LiveLog::open(log).expect("the live log opens");
        let mut state = web::AppState::new(live, store.open_accounts(), cfg)
            .with_plans(&store.location)
            .expect("the plans open");
        if let Some(audit) = audit {
            state = state.with_audit(audit);
        }
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("a runtime");
        let listener = runtime
            .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
            .expect("a port on 127.0.0.1");
        let addr = listener.local_addr().expect("the bound address");
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let thread = std::thread::spawn(move || {
            // The last handle to the store is dropped outside the runtime: the PostgreSQL
            // client blocks when dropped, which an async worker may not do.
            let keep = state.clone();
            let served = runtime.block_on(web::serve(listener, web::app(state), async move {
                let _ = rx.await;
            }));
            drop(runtime);
            drop(keep);
            served
        });
        Server {
            store,
            addr,
            agent: ureq::AgentBuilder::new()
                .redirects(0)
                .timeout(Duration::from_secs(120))
                .build(),
            shutdown: Some(tx),
            thread: Some(thread),
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    /// This service's own origin, as a browser sends it.
    pub fn origin(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub fn get(&self, path: &str) -> Req<'_> {
        self.req("GET", path)
    }
    pub fn post(&self, path: &str) -> Req<'_> {
        self.req("POST", path)
    }
    pub fn delete(&self, path: &str) -> Req<'_> {
        self.req("DELETE", path)
    }
    pub fn req(&self, method: &str, path: &str) -> Req<'_> {
        Req {
            inner: self.agent.request(method, &self.url(path)),
            _server: self,
        }
    }

    /// Signs `username` in over the API with the test password; the bearer token.
    pub fn token(&self, username: &str) -> String {
        let r = self
            .post("/api/session")
            .json(&serde_json::json!({"username": username, "password": PASSWORD}));
        assert_eq!(r.status, 200, "signing in {username}: {}", r.text());
        r.json()["token"].as_str().expect("a token").to_string()
    }

    /// Sends raw bytes as one HTTP/1.1 request on a new connection and returns what came back
    /// (for requests no well-behaved client would send).
    pub fn raw(&self, request: &[u8]) -> Vec<u8> {
        let mut s = TcpStream::connect(self.addr).expect("a connection");
        s.set_read_timeout(Some(Duration::from_secs(60))).ok();
        s.write_all(request).expect("the request is sent");
        let mut out = Vec::new();
        let _ = s.read_to_end(&mut out);
        out
    }

    /// The status of a raw exchange's answer (0: none, the connection was dropped).
    pub fn raw_status(&self, request: &[u8]) -> u16 {
        let out = self.raw(request);
        let text = String::from_utf8_lossy(&out);
        text.strip_prefix("HTTP/1.1 ")
            .and_then(|t| t.get(..3))
            .and_then(|c| c.parse().ok())
            .unwrap_or(0)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(t) = self.thread.take() {
            let served = t.join();
            if !std::thread::panicking() {
                served
                    .expect("the service's thread did not panic")
                    .expect("the service stopped cleanly");
            }
        }
    }
}

/// A request being built.
pub struct Req<'a> {
    inner: ureq::Request,
    _server: &'a Server,
}

impl Req<'_> {
    pub fn header(mut self, name: &str, value: &str) -> Self {
        self.inner = self.inner.set(name, value);
        self
    }
    pub fn bearer(self, token: &str) -> Self {
        self.header("Authorization", &format!("Bearer {token}"))
    }
    /// Sends `cookies` (`name=value` pairs) as a browser would.
    pub fn cookies(self, cookies: &[(&str, &str)]) -> Self {
        let v: Vec<String> = cookies.iter().map(|(k, v)| format!("{k}={v}")).collect();
        self.header("Cookie", &v.join("; "))
    }
    pub fn call(self) -> Resp {
        Resp::of(self.inner.call())
    }
    pub fn send(self, content_type: &str, body: &[u8]) -> Resp {
        Resp::of(
            self.inner
                .set("Content-Type", content_type)
                .send_bytes(body),
        )
    }
    pub fn json(self, v: &serde_json::Value) -> Resp {
        self.send("application/json", v.to_string().as_bytes())
    }
    /// `text` as a JSON body, whatever it holds.
    pub fn json_text(self, text: &str) -> Resp {
        self.send("application/json", text.as_bytes())
    }
    pub fn ndjson(self, text: &str) -> Resp {
        self.send("application/x-ndjson", text.as_bytes())
    }
    /// An HTML form, `application/x-www-form-urlencoded`.
    pub fn form(self, fields: &[(&str, &str)]) -> Resp {
        let body: Vec<String> = fields
            .iter()
            .map(|(k, v)| format!("{}={}", urlencode(k), urlencode(v)))
            .collect();
        self.send(
            "application/x-www-form-urlencoded",
            body.join("&").as_bytes(),
        )
    }
}

pub fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// An answer: its status, headers (names in lower case, in order) and body.
#[derive(Debug)]
pub struct Resp {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Resp {
    fn of(r: Result<ureq::Response, ureq::Error>) -> Resp {
        let r = match r {
            Ok(r) => r,
            Err(ureq::Error::Status(_, r)) => r,
            Err(e) => panic!("no answer: {e}"),
        };
        let status = r.status();
        let mut headers = Vec::new();
        for name in r.headers_names() {
            for v in r.all(&name) {
                headers.push((name.to_ascii_lowercase(), v.to_string()));
            }
        }
        let mut body = Vec::new();
        r.into_reader()
            .read_to_end(&mut body)
            .expect("the body is read");
        Resp {
            status,
            headers,
            body,
        }
    }

    /// The first value of header `name`.
    pub fn header(&self, name: &str) -> Option<&str> {
        let name = name.to_ascii_lowercase();
        self.headers
            .iter()
            .find(|(k, _)| *k == name)
            .map(|(_, v)| v.as_str())
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.text()))
    }

    /// The `Set-Cookie` header that sets cookie `name`, if any.
    pub fn set_cookie(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .filter(|(k, _)| k == "set-cookie")
            .map(|(_, v)| v.as_str())
            .find(|v| {
                v.split(';')
                    .next()
                    .and_then(|kv| kv.split_once('='))
                    .map(|p| p.0.trim())
                    == Some(name)
            })
    }

    /// The value cookie `name` is set to (an empty value clears it).
    pub fn cookie(&self, name: &str) -> Option<String> {
        let c = self.set_cookie(name)?;
        let kv = c.split(';').next()?;
        Some(kv.split_once('=')?.1.trim().to_string())
    }

    /// The attributes of the `Set-Cookie` of `name`, lower-cased (`httponly`, `samesite=strict` ...).
    pub fn cookie_attributes(&self, name: &str) -> Vec<String> {
        self.set_cookie(name)
            .map(|c| {
                c.split(';')
                    .skip(1)
                    .map(|a| a.trim().to_ascii_lowercase())
                    .collect()
            })
            .unwrap_or_default()
    }

    /// A JSON error answer's `error` and `field`.
    pub fn error(&self) -> (String, Option<String>) {
        let v = self.json();
        let error = v["error"]
            .as_str()
            .unwrap_or_else(|| panic!("no \"error\" in {v}"))
            .to_string();
        assert!(!error.is_empty(), "an empty error: {v}");
        (error, v["field"].as_str().map(str::to_string))
    }
}

/// The value of hidden input `name` in a page.
pub fn hidden_input(html: &str, name: &str) -> Option<String> {
    let at = html.find(&format!("name=\"{name}\""))?;
    let tag_start = html[..at].rfind('<')?;
    let tag_end = at + html[at..].find('>')?;
    let tag = &html[tag_start..tag_end];
    let v = tag.find("value=\"")? + 7;
    let len = tag[v..].find('"')?;
    Some(tag[v..v + len].to_string())
}

/// A value as the pages show it: up to 2 decimals, "–" for none.
pub fn shown(v: Option<f64>) -> String {
    match v {
        None => "–".into(),
        Some(x) if x.fract() == 0.0 && x.abs() < 1e15 => format!("{}", x as i64),
        Some(x) => {
            let s = format!("{x:.2}");
            s.trim_end_matches('0').trim_end_matches('.').to_string()
        }
    }
}

/// The journey-log line registering `person` (born 1931, with the test GP practice M83041) as
/// event `id`.
pub fn registered(id: &str, person: &str) -> String {
    format!(
        r#"{{"id":"{id}","kind":"person_registered","at":"2016-06-01T09:00:00Z","person":"{person}","birth_date":"1931-02-03","sex":"male","gp":"M83041","residence":"own_home"}}"#
    )
}

/// A person of the never-issued 999 range not in the example log (valid modulus 11).
pub fn new_person(n: u32) -> String {
    for k in n * 10.. {
        let base = format!("999{:06}", 900_000 + k);
        let sum: u32 = base
            .bytes()
            .enumerate()
            .map(|(i, b)| u32::from(b - b'0') * (10 - i as u32))
            .sum();
        let check = 11 - sum % 11;
        let check = if check == 11 { 0 } else { check };
        if check != 10 {
            return format!("{base}{check}");
        }
    }
    unreachable!()
}
