//! Bounds an uploaded workbook before the XLSX parser sees it. An XLSX file is a ZIP archive of
//! XML, and a file of half a megabyte can unpack to a hundred megabytes of rows: the parser would
//! spend seconds and hundreds of megabytes on a file that is refused at the end anyway. This
//! checks what the archive declares (entries, unpacked sizes), then unpacks the worksheets and
//! the shared strings as a stream, counting rows and stopping at the first limit crossed, without
//! keeping what it has read.

use std::io::{Cursor, Read};

/// What a workbook may hold.
#[derive(Debug, Clone, Copy)]
pub struct WorkbookLimits {
    /// The sum of the entries' unpacked sizes.
    pub max_unpacked_bytes: u64,
    /// Rows holding at least one cell, per worksheet (the header row included).
    pub max_rows: usize,
    pub max_entries: usize,
    /// Entries of the shared string table, which the parser reserves room for up front.
    pub max_shared_strings: u64,
}

/// Why a workbook is refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    NotAWorkbook(String),
    TooManyEntries {
        entries: usize,
    },
    /// Declared or found while unpacking.
    UnpackedTooLarge {
        bytes: u64,
    },
    TooManyRows {
        sheet: String,
    },
    TooManySharedStrings {
        declared: u64,
    },
}

const SHARED_STRINGS: &str = "xl/sharedStrings.xml";

fn is_worksheet(name: &str) -> bool {
    name.starts_with("xl/worksheets/") && name.ends_with(".xml")
}

/// Checks the archive against `limits` without building anything from its content.
pub fn inspect(bytes: &[u8], limits: &WorkbookLimits) -> Result<(), Refusal> {
    let mut archive = zip::ZipArchive::new(Cursor::new(bytes))
        .map_err(|e| Refusal::NotAWorkbook(e.to_string()))?;
    if archive.len() > limits.max_entries {
        return Err(Refusal::TooManyEntries {
            entries: archive.len(),
        });
    }
    let mut declared: u64 = 0;
    let mut scanned = Vec::new();
    for index in 0..archive.len() {
        let entry = archive
            .by_index_raw(index)
            .map_err(|e| Refusal::NotAWorkbook(e.to_string()))?;
        declared = declared.saturating_add(entry.size());
        let name = String::from_utf8_lossy(entry.name_raw()).into_owned();
        if is_worksheet(&name) || name == SHARED_STRINGS {
            scanned.push(index);
        }
    }
    if declared > limits.max_unpacked_bytes {
        return Err(Refusal::UnpackedTooLarge { bytes: declared });
    }
    // The declared sizes can lie; what is unpacked here is counted as it comes.
    let mut unpacked: u64 = 0;
    for index in scanned {
        let entry = archive
            .by_index(index)
            .map_err(|e| Refusal::NotAWorkbook(e.to_string()))?;
        let name = String::from_utf8_lossy(entry.name_raw()).into_owned();
        let size = entry.size();
        let mut scan = if name == SHARED_STRINGS {
            Scan::SharedStrings(SstHead::default())
        } else {
            Scan::Rows(RowCounter::default())
        };
        stream(entry, &mut unpacked, limits, |chunk| match &mut scan {
            Scan::Rows(counter) => {
                counter.feed(chunk);
                if counter.rows > limits.max_rows {
                    return Err(Refusal::TooManyRows {
                        sheet: name.clone(),
                    });
                }
                Ok(true)
            }
            Scan::SharedStrings(head) => head.feed(chunk, size, limits),
        })?;
    }
    Ok(())
}

enum Scan {
    Rows(RowCounter),
    SharedStrings(SstHead),
}

/// Unpacks an entry in chunks, handing each to `visit` until it answers false.
fn stream(
    mut entry: impl Read,
    unpacked: &mut u64,
    limits: &WorkbookLimits,
    mut visit: impl FnMut(&[u8]) -> Result<bool, Refusal>,
) -> Result<(), Refusal> {
    let mut buffer = vec![0u8; 64 * 1024];
    loop {
        let read = entry
            .read(&mut buffer)
            .map_err(|e| Refusal::NotAWorkbook(e.to_string()))?;
        if read == 0 {
            return Ok(());
        }
        *unpacked = unpacked.saturating_add(read as u64);
        if *unpacked > limits.max_unpacked_bytes {
            return Err(Refusal::UnpackedTooLarge { bytes: *unpacked });
        }
        if !visit(&buffer[..read])? {
            return Ok(());
        }
    }
}

/// Counts `<row>` elements that hold at least one `<c>`, across chunk boundaries, by the local
/// name of each start tag (a namespace prefix such as `x:row` is allowed). Escaped text never
/// holds a raw `<`, so every `<` starts markup.
#[derive(Default)]
struct RowCounter {
    rows: usize,
    in_tag_name: bool,
    name: Vec<u8>,
    row_open: bool,
}

impl RowCounter {
    fn feed(&mut self, chunk: &[u8]) {
        for &byte in chunk {
            if self.in_tag_name {
                if byte.is_ascii_whitespace()
                    || byte == b'>'
                    || byte == b'/' && !self.name.is_empty()
                {
                    self.in_tag_name = false;
                    self.tag();
                } else if self.name.len() < 16 {
                    self.name.push(byte);
                }
            } else if byte == b'<' {
                self.in_tag_name = true;
                self.name.clear();
            }
        }
    }

    fn tag(&mut self) {
        let local = match self.name.iter().rposition(|b| *b == b':') {
            Some(colon) => &self.name[colon + 1..],
            None => &self.name[..],
        };
        match local {
            b"row" => self.row_open = true,
            b"c" if self.row_open => {
                self.rows += 1;
                self.row_open = false;
            }
            _ => {}
        }
    }
}

/// Reads the `uniqueCount` (or `count`) of the shared string table's opening tag.
#[derive(Default)]
struct SstHead {
    head: Vec<u8>,
}

impl SstHead {
    /// False once the opening tag has been read (the rest of the table need not be).
    fn feed(
        &mut self,
        chunk: &[u8],
        entry_size: u64,
        limits: &WorkbookLimits,
    ) -> Result<bool, Refusal> {
        self.head.extend_from_slice(chunk);
        let Some(start) = find(&self.head, b"<sst").or_else(|| find(&self.head, b":sst")) else {
            // A table whose opening tag is not in its first 64 KiB is not one Excel writes.
            return if self.head.len() > 64 * 1024 {
                Err(Refusal::NotAWorkbook(
                    "the shared strings cannot be read".into(),
                ))
            } else {
                Ok(true)
            };
        };
        let Some(end) = self.head[start..].iter().position(|b| *b == b'>') else {
            return Ok(true);
        };
        let tag = &self.head[start..start + end];
        let declared = attribute(tag, b"uniqueCount")
            .or_else(|| attribute(tag, b"count"))
            .unwrap_or(0);
        // Each entry is at least `<si/>`; a count the table cannot hold is a lie meant to make the
        // parser reserve memory.
        if declared > limits.max_shared_strings || declared > entry_size / 5 + 1 {
            return Err(Refusal::TooManySharedStrings { declared });
        }
        Ok(false)
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

fn attribute(tag: &[u8], name: &[u8]) -> Option<u64> {
    let mut at = 0;
    while let Some(found) = find(&tag[at..], name) {
        let start = at + found;
        let before = start.checked_sub(1).map(|i| tag[i]);
        let rest = &tag[start + name.len()..];
        if before.is_some_and(|b| b.is_ascii_whitespace()) && rest.starts_with(b"=\"") {
            let digits: Vec<u8> = rest[2..]
                .iter()
                .take_while(|b| b.is_ascii_digit())
                .copied()
                .collect();
            return std::str::from_utf8(&digits)
                .ok()
                .and_then(|d| d.parse().ok())
                .or(Some(u64::MAX));
        }
        at = start + name.len();
    }
    None
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use std::io::Write;

    const LIMITS: WorkbookLimits = WorkbookLimits {
        max_unpacked_bytes: 100_000,
        max_rows: 10,
        max_entries: 20,
        max_shared_strings: 1_000,
    };

    fn workbook(entries: &[(&str, &[u8])]) -> Vec<u8> {
        let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
        let options = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated);
        for (name, content) in entries {
            zip.start_file(*name, options).unwrap();
            zip.write_all(content).unwrap();
        }
        zip.finish().unwrap().into_inner()
    }

    fn sheet(rows: usize) -> Vec<u8> {
        let mut xml = String::from("<worksheet><sheetData>");
        for r in 1..=rows {
            xml.push_str(&format!(
                "<row r=\"{r}\"><c r=\"A{r}\"><v>{r}</v></c></row>"
            ));
        }
        xml.push_str("</sheetData></worksheet>");
        xml.into_bytes()
    }

    #[test]
    fn a_workbook_within_the_limits_passes() {
        let file = workbook(&[
            ("xl/worksheets/sheet1.xml", &sheet(10)),
            (
                SHARED_STRINGS,
                b"<sst count=\"3\" uniqueCount=\"2\"><si><t>a</t></si><si><t>b</t></si></sst>",
            ),
        ]);
        assert_eq!(inspect(&file, &LIMITS), Ok(()));
    }

    #[test]
    fn rows_are_counted_across_chunks_and_prefixes_and_empty_rows_do_not_count() {
        let mut counter = RowCounter::default();
        let xml = b"<x:sheetData><x:row r=\"1\"><x:c><x:v>1</x:v></x:c></x:row><row r=\"2\"/><row><c/></row><rows/><cols/>";
        for chunk in xml.chunks(3) {
            counter.feed(chunk);
        }
        assert_eq!(counter.rows, 2);
    }

    #[test]
    fn one_row_too_many_is_refused_while_unpacking() {
        let file = workbook(&[("xl/worksheets/sheet1.xml", &sheet(11))]);
        assert_eq!(
            inspect(&file, &LIMITS),
            Err(Refusal::TooManyRows {
                sheet: "xl/worksheets/sheet1.xml".into()
            })
        );
    }

    #[test]
    fn a_declared_size_over_the_limit_is_refused_before_anything_is_unpacked() {
        let big = vec![b' '; 100_001];
        let file = workbook(&[("xl/media/padding.bin", &big)]);
        assert!(matches!(
            inspect(&file, &LIMITS),
            Err(Refusal::UnpackedTooLarge { bytes: 100_001 })
        ));
    }

    #[test]
    fn an_entry_that_unpacks_to_more_than_it_declares_is_stopped() {
        // A sheet of 200,000 spaces, then its declared size rewritten to 10 bytes in both headers.
        let mut xml = b"<worksheet>".to_vec();
        xml.extend(vec![b' '; 200_000]);
        let mut file = workbook(&[("xl/worksheets/sheet1.xml", &xml)]);
        let actual = u32::try_from(xml.len()).unwrap().to_le_bytes();
        let mut at = 0;
        let mut patched = 0;
        while let Some(found) = find(&file[at..], &actual) {
            let start = at + found;
            file[start..start + 4].copy_from_slice(&10u32.to_le_bytes());
            patched += 1;
            at = start + 4;
        }
        assert_eq!(patched, 2, "the local and the central header");
        let refused = inspect(&file, &LIMITS);
        assert!(
            matches!(refused, Err(Refusal::NotAWorkbook(_))),
            "{refused:?}"
        );
    }

    #[test]
    fn a_shared_string_count_the_table_cannot_hold_is_refused() {
        let file = workbook(&[(
            SHARED_STRINGS,
            b"<sst uniqueCount=\"999999999999\"><si><t>a</t></si></sst>",
        )]);
        assert!(matches!(
            inspect(&file, &LIMITS),
            Err(Refusal::TooManySharedStrings { .. })
        ));
    }

    #[test]
    fn too_many_entries_are_refused() {
        let names: Vec<String> = (0..21).map(|i| format!("xl/media/{i}.bin")).collect();
        let entries: Vec<(&str, &[u8])> = names.iter().map(|n| (n.as_str(), &b"x"[..])).collect();
        assert_eq!(
            inspect(&workbook(&entries), &LIMITS),
            Err(Refusal::TooManyEntries { entries: 21 })
        );
    }

    #[test]
    fn text_that_is_not_a_zip_is_not_a_workbook() {
        assert!(matches!(
            inspect(b"PK\x03\x04 not really", &LIMITS),
            Err(Refusal::NotAWorkbook(_))
        ));
    }
}
