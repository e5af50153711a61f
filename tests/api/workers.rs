//! Long work never blocks the request workers: an oversized workbook is refused before it is
//! parsed, other requests are answered while uploads and XLSX exports are being worked on, and a
//! connection stays usable after a slow request. The test server has one HTTP worker, so any work
//! done on it would hold up every other request.

use crate::data_exchange::upload;
use crate::helpers::{Backend, TestApp, spawn_app, spawn_app_with};
use crate::on_both_databases;
use crate::reforms::org;
use std::io::Write;
use std::sync::{Arc, OnceLock};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;

on_both_databases!(
    me_is_answered_while_two_oversized_workbooks_are_being_read,
    a_workbook_declaring_more_than_the_unpacked_limit_is_refused_before_it_is_unpacked,
    a_connection_is_still_usable_after_a_long_upload,
    a_connection_is_still_usable_after_a_long_xlsx_export,
);

/// The header row and this many records: more than an import takes.
const BOMB_ROWS: usize = 150_000;

/// A workbook of a few hundred kilobytes that unpacks to tens of megabytes of identical rows.
fn bomb() -> Arc<Vec<u8>> {
    static BOMB: OnceLock<Arc<Vec<u8>>> = OnceLock::new();
    Arc::clone(BOMB.get_or_init(|| {
        let mut sheet = String::from(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<worksheet xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\"><sheetData>\
             <row><c t=\"inlineStr\"><is><t>年度</t></is></c><c t=\"inlineStr\"><is><t>局・区</t></is></c><c t=\"inlineStr\"><is><t>取組名</t></is></c></row>",
        );
        let row = "<row><c><v>2025</v></c><c t=\"inlineStr\"><is><t>門司区役所</t></is></c><c t=\"inlineStr\"><is><t>取組の名前取組の名前取組の名前</t></is></c></row>";
        for _ in 0..BOMB_ROWS {
            sheet.push_str(row);
        }
        sheet.push_str("</sheetData></worksheet>");
        Arc::new(workbook(&[("xl/worksheets/sheet1.xml", sheet.as_bytes())]))
    }))
}

/// A minimal XLSX package around the given parts.
fn workbook(parts: &[(&str, &[u8])]) -> Vec<u8> {
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .compression_level(Some(1));
    let package: [(&str, &[u8]); 4] = [
        (
            "[Content_Types].xml",
            b"<?xml version=\"1.0\" encoding=\"UTF-8\"?><Types xmlns=\"http://schemas.openxmlformats.org/package/2006/content-types\"><Default Extension=\"rels\" ContentType=\"application/vnd.openxmlformats-package.relationships+xml\"/><Default Extension=\"xml\" ContentType=\"application/xml\"/><Override PartName=\"/xl/workbook.xml\" ContentType=\"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml\"/><Override PartName=\"/xl/worksheets/sheet1.xml\" ContentType=\"application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml\"/></Types>",
        ),
        (
            "_rels/.rels",
            b"<?xml version=\"1.0\" encoding=\"UTF-8\"?><Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\"><Relationship Id=\"rId1\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument\" Target=\"xl/workbook.xml\"/></Relationships>",
        ),
        (
            "xl/workbook.xml",
            b"<?xml version=\"1.0\" encoding=\"UTF-8\"?><workbook xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\" xmlns:r=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships\"><sheets><sheet name=\"Sheet1\" sheetId=\"1\" r:id=\"rId1\"/></sheets></workbook>",
        ),
        (
            "xl/_rels/workbook.xml.rels",
            b"<?xml version=\"1.0\" encoding=\"UTF-8\"?><Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\"><Relationship Id=\"rId1\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet\" Target=\"worksheets/sheet1.xml\"/></Relationships>",
        ),
    ];
    for (name, content) in package.iter().chain(parts) {
        zip.start_file(*name, options).unwrap();
        zip.write_all(content).unwrap();
    }
    zip.finish().unwrap().into_inner()
}

async fn me_is_answered_while_two_oversized_workbooks_are_being_read(backend: Backend) {
    let app = Arc::new(spawn_app(backend).await);
    let admin = app.signed_in("admin@city.example.jp", "admin").await;
    let bomb = bomb();
    // How long reading one takes on this machine: /me is sent a quarter of the way into the two
    // uploads below, when both are being read, however fast the machine reads.
    let started = std::time::Instant::now();
    upload(
        &app,
        &admin,
        "kind=reforms&dry_run=true",
        "alone.xlsx",
        &bomb,
    )
    .await
    .assert_problem(422, "validation_failed");
    let alone = started.elapsed();
    // Each answer takes the next number, so the order in which they came back can be compared.
    let order = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let uploads: Vec<_> = (0..2)
        .map(|i| {
            let (app, admin, bomb, order) = (
                Arc::clone(&app),
                admin.clone(),
                Arc::clone(&bomb),
                Arc::clone(&order),
            );
            tokio::spawn(async move {
                let name = format!("bomb{i}.xlsx");
                let answer = upload(&app, &admin, "kind=reforms&dry_run=true", &name, &bomb).await;
                (
                    order.fetch_add(1, std::sync::atomic::Ordering::SeqCst),
                    answer,
                )
            })
        })
        .collect();
    // Both files are sent and being read when the next request arrives.
    tokio::time::sleep(alone / 4).await;
    let me = app.get("/api/v1/me", Some(&admin)).await;
    let me_done = order.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
    assert_eq!(me.status, 200, "{}", me.text);
    for task in uploads {
        let (done, answer) = task.await.unwrap();
        let problem = answer.assert_problem(422, "validation_failed");
        assert_eq!(
            problem["errors"][0]["code"], "too_many_rows",
            "{}",
            answer.text
        );
        assert!(
            me_done < done,
            "/me was answered only after an upload was (answers in order: me {me_done}, upload {done})"
        );
    }
}

async fn a_workbook_declaring_more_than_the_unpacked_limit_is_refused_before_it_is_unpacked(
    backend: Backend,
) {
    let app = spawn_app(backend).await;
    let admin = app.signed_in("admin@city.example.jp", "admin").await;
    let sheet = "<worksheet xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\"><sheetData>\
        <row><c t=\"inlineStr\"><is><t>年度</t></is></c><c t=\"inlineStr\"><is><t>局・区</t></is></c><c t=\"inlineStr\"><is><t>取組名</t></is></c></row>\
        </sheetData></worksheet>";
    let mut file = workbook(&[("xl/worksheets/sheet1.xml", sheet.as_bytes())]);
    // The central directory's record of the sheet now claims 300 MB unpacked.
    let name = b"xl/worksheets/sheet1.xml";
    let record = file
        .windows(4)
        .enumerate()
        .filter(|(_, w)| *w == b"PK\x01\x02")
        .map(|(at, _)| at)
        .find(|at| file[at + 46..].starts_with(name))
        .unwrap();
    file[record + 24..record + 28].copy_from_slice(&300_000_000u32.to_le_bytes());
    let answer = upload(&app, &admin, "kind=reforms&dry_run=true", "big.xlsx", &file).await;
    let problem = answer.assert_problem(422, "validation_failed");
    assert_eq!(
        problem["errors"][0]["code"], "unpacked_too_large",
        "{}",
        answer.text
    );
    assert_eq!(problem["errors"][0]["pointer"], "/file");
}

/// One HTTP/1.1 connection driven by hand, to see what the server does with it between requests.
struct Connection {
    stream: BufReader<TcpStream>,
}

#[derive(Debug)]
struct RawAnswer {
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl RawAnswer {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

impl Connection {
    async fn open(app: &TestApp) -> Connection {
        let address = app.address.trim_start_matches("http://").to_owned();
        Connection {
            stream: BufReader::new(TcpStream::connect(address).await.unwrap()),
        }
    }

    /// Sends a request and reads its answer; an error when the server closed the connection.
    async fn send(
        &mut self,
        method: &str,
        path: &str,
        headers: &[(&str, String)],
        body: &[u8],
    ) -> std::io::Result<RawAnswer> {
        let mut request = format!("{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n");
        for (name, value) in headers {
            request.push_str(&format!("{name}: {value}\r\n"));
        }
        request.push_str(&format!("Content-Length: {}\r\n\r\n", body.len()));
        let mut bytes = request.into_bytes();
        bytes.extend_from_slice(body);
        self.stream.get_mut().write_all(&bytes).await?;
        self.read_answer().await
    }

    async fn read_answer(&mut self) -> std::io::Result<RawAnswer> {
        let closed = || std::io::Error::new(std::io::ErrorKind::UnexpectedEof, "connection closed");
        let mut line = String::new();
        if self.stream.read_line(&mut line).await? == 0 {
            return Err(closed());
        }
        let status: u16 = line
            .split_whitespace()
            .nth(1)
            .and_then(|s| s.parse().ok())
            .ok_or_else(closed)?;
        let mut headers = Vec::new();
        loop {
            line.clear();
            if self.stream.read_line(&mut line).await? == 0 {
                return Err(closed());
            }
            let trimmed = line.trim_end();
            if trimmed.is_empty() {
                break;
            }
            if let Some((name, value)) = trimmed.split_once(':') {
                headers.push((name.trim().to_owned(), value.trim().to_owned()));
            }
        }
        let mut answer = RawAnswer {
            status,
            headers,
            body: Vec::new(),
        };
        if let Some(length) = answer.header("content-length") {
            let mut body = vec![0u8; length.parse().unwrap()];
            self.stream.read_exact(&mut body).await?;
            answer.body = body;
        } else if answer
            .header("transfer-encoding")
            .is_some_and(|t| t.eq_ignore_ascii_case("chunked"))
        {
            loop {
                line.clear();
                self.stream.read_line(&mut line).await?;
                let size = usize::from_str_radix(line.trim(), 16).map_err(|_| closed())?;
                let mut chunk = vec![0u8; size + 2];
                self.stream.read_exact(&mut chunk).await?;
                if size == 0 {
                    break;
                }
                answer.body.extend_from_slice(&chunk[..size]);
            }
        }
        Ok(answer)
    }
}

/// After a request that kept the server busy for longer than the keep-alive time, the client
/// reuses its connection: the server has either kept it, or said `Connection: close`.
async fn the_connection_is_kept_or_closed_openly(
    connection: &mut Connection,
    slow: &RawAnswer,
    token: &str,
) {
    if slow
        .header("connection")
        .is_some_and(|c| c.eq_ignore_ascii_case("close"))
    {
        return;
    }
    let me = connection
        .send(
            "GET",
            "/api/v1/me",
            &[("Authorization", format!("Bearer {token}"))],
            b"",
        )
        .await
        .expect("the server closed the connection without saying Connection: close");
    assert_eq!(me.status, 200);
}

/// Keep-alive of one second: anything that holds the worker longer than that would show.
const SHORT_KEEP_ALIVE: &str = "[server]\nkeep_alive_seconds = 1\n";

async fn a_connection_is_still_usable_after_a_long_upload(backend: Backend) {
    let app = spawn_app_with(backend, SHORT_KEEP_ALIVE).await;
    let admin = app.signed_in("admin@city.example.jp", "admin").await;
    let boundary = "----platina-keep-alive";
    let mut body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"bomb.xlsx\"\r\nContent-Type: application/octet-stream\r\n\r\n"
    )
    .into_bytes();
    body.extend_from_slice(&bomb());
    body.extend(format!("\r\n--{boundary}--\r\n").into_bytes());
    let mut connection = Connection::open(&app).await;
    let refused = connection
        .send(
            "POST",
            "/api/v1/imports?kind=reforms&dry_run=true",
            &[
                ("Authorization", format!("Bearer {admin}")),
                (
                    "Content-Type",
                    format!("multipart/form-data; boundary={boundary}"),
                ),
            ],
            &body,
        )
        .await
        .unwrap();
    assert_eq!(
        refused.status,
        422,
        "{}",
        String::from_utf8_lossy(&refused.body)
    );
    the_connection_is_kept_or_closed_openly(&mut connection, &refused, &admin).await;
}

async fn a_connection_is_still_usable_after_a_long_xlsx_export(backend: Backend) {
    let app = spawn_app_with(backend, SHORT_KEEP_ALIVE).await;
    let org = org(&app).await;
    let spec = persistence::synth::SynthSpec {
        fiscal_year: 2025,
        proposals: 0,
        stage_events: 0,
        reforms: 0,
        audit_events: 5_000,
        seed: 1,
    };
    persistence::synth::synthesize(&app.app_db, &spec, &mut |_, _, _| {})
        .await
        .unwrap();
    let mut connection = Connection::open(&app).await;
    let export = connection
        .send(
            "GET",
            "/api/v1/audit-events/export?format=xlsx",
            &[("Authorization", format!("Bearer {}", org.admin))],
            b"",
        )
        .await
        .unwrap();
    assert_eq!(export.status, 200);
    assert!(export.body.starts_with(b"PK\x03\x04"), "an XLSX file");
    the_connection_is_kept_or_closed_openly(&mut connection, &export, &org.admin).await;
}
