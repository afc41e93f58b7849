//! archive_file: zips a file, a directory or inline content, deterministically (same
//! input, same bytes, same hash), so that only a code change updates a function.

use crate::aws::prelude::*;
use crate::provider::{BlockType, DataSource, Nesting};
use base64::Engine as _;
use sha2::{Digest, Sha256, Sha512};
use std::collections::BTreeSet;
use std::io::Write as _;
use std::path::{Path, PathBuf};

pub static SCHEMA: Schema = Schema {
    type_name: "archive_file",
    attributes: &[
        ID,
        Attribute::required("type", Type::String),
        Attribute::required("output_path", Type::String),
        Attribute::optional("source_content", Type::String),
        Attribute::optional("source_content_filename", Type::String),
        Attribute::optional("source_file", Type::String),
        Attribute::optional("source_dir", Type::String),
        Attribute::optional("excludes", Type::Set(&Type::String)),
        Attribute::optional("output_file_mode", Type::String),
        Attribute::computed("output_size", Type::Number),
        Attribute::computed("output_sha256", Type::String),
        Attribute::computed("output_base64sha256", Type::String),
        Attribute::computed("output_sha512", Type::String),
        Attribute::computed("output_base64sha512", Type::String),
    ],
    blocks: &[BlockType::new(
        "source",
        Nesting::Set,
        &[
            Attribute::required("content", Type::String),
            Attribute::required("filename", Type::String),
        ],
    )],
};

/// Every entry carries this time: the zip must not change with file timestamps.
const FIXED_TIME: (u16, u8, u8) = (1980, 1, 1);
const MODE_FILE: u32 = 0o644;
const MODE_EXECUTABLE: u32 = 0o755;

pub struct ArchiveFile;

impl ArchiveFile {
    pub fn new() -> Self {
        ArchiveFile
    }
}

impl std::default::Default for ArchiveFile {
    fn default() -> Self {
        Self::new()
    }
}

#[async_trait]
impl DataSource for ArchiveFile {
    fn schema(&self) -> &'static Schema {
        &SCHEMA
    }

    async fn read(&self, config: &Object) -> Result<Object> {
        let config = config.clone();
        // Reading a directory tree and deflating it is blocking work.
        tokio::task::spawn_blocking(move || archive(&config))
            .await
            .map_err(|e| ProviderError::new(format!("archive_file: {e}")))?
    }
}

/// One file inside the archive.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Entry {
    /// Path inside the archive, `/`-separated.
    pub name: String,
    pub data: Vec<u8>,
    pub mode: u32,
}

/// Builds the archive the configuration describes, writes it to `output_path` and
/// returns the data source's full state.
pub fn archive(config: &Object) -> Result<Object> {
    let kind = config.str("type").unwrap_or_default();
    if kind != "zip" {
        return Err(ProviderError::new(format!(
            "archive_file: type {kind:?} is not supported; only \"zip\" is"
        )));
    }
    let output = config
        .str("output_path")
        .ok_or_else(|| ProviderError::new("archive_file: output_path is required"))?;
    let output = PathBuf::from(output);
    let file_mode = match config.str("output_file_mode") {
        Some(text) => Some(parse_mode(text)?),
        None => None,
    };
    let entries = collect(config, &output)?;
    let bytes = zip_entries(&entries, file_mode)?;
    write_if_changed(&output, &bytes)?;

    let sha256 = Sha256::digest(&bytes);
    let sha512 = Sha512::digest(&bytes);
    let b64 = base64::engine::general_purpose::STANDARD;
    let mut state = Object::new();
    for attr in SCHEMA.attributes {
        state.insert(
            attr.name.to_string(),
            config.get(attr.name).cloned().unwrap_or_default(),
        );
    }
    state.insert(
        "source".into(),
        config
            .get("source")
            .cloned()
            .unwrap_or(Value::List(Vec::new())),
    );
    state.insert("id".into(), Value::from(hex(&sha256)));
    state.insert("output_size".into(), Value::from(bytes.len() as i64));
    state.insert("output_sha256".into(), Value::from(hex(&sha256)));
    state.insert(
        "output_base64sha256".into(),
        Value::from(b64.encode(sha256)),
    );
    state.insert("output_sha512".into(), Value::from(hex(&sha512)));
    state.insert(
        "output_base64sha512".into(),
        Value::from(b64.encode(sha512)),
    );
    Ok(state)
}

/// The entries to archive, sorted by name.
fn collect(config: &Object, output: &Path) -> Result<Vec<Entry>> {
    let content = config.str("source_content");
    let sources = config.list("source");
    let file = config.str("source_file");
    let dir = config.str("source_dir");
    let given = [
        content.is_some(),
        !sources.is_empty(),
        file.is_some(),
        dir.is_some(),
    ]
    .iter()
    .filter(|g| **g)
    .count();
    if given != 1 {
        return Err(ProviderError::new(
            "archive_file: set exactly one of source_content (with source_content_filename), \
             source blocks, source_file or source_dir",
        ));
    }
    let mut entries = if let Some(content) = content {
        let name = config.str("source_content_filename").ok_or_else(|| {
            ProviderError::new("archive_file: source_content needs source_content_filename")
        })?;
        vec![Entry {
            name: clean_name(name),
            data: content.as_bytes().to_vec(),
            mode: MODE_FILE,
        }]
    } else if !sources.is_empty() {
        sources
            .iter()
            .filter_map(Value::as_object)
            .map(|s| Entry {
                name: clean_name(s.str("filename").unwrap_or_default()),
                data: s.str("content").unwrap_or_default().as_bytes().to_vec(),
                mode: MODE_FILE,
            })
            .collect()
    } else if let Some(file) = file {
        let path = Path::new(file);
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().to_string())
            .ok_or_else(|| ProviderError::new(format!("archive_file: {file:?} names no file")))?;
        vec![read_entry(path, name)?]
    } else {
        let dir = Path::new(dir.unwrap_or_default());
        let excludes = config.strings("excludes");
        walk_dir(dir, &excludes, output)?
    };
    entries.sort_by(|a, b| a.name.cmp(&b.name));
    if let Some(pair) = entries.windows(2).find(|w| w[0].name == w[1].name) {
        return Err(ProviderError::new(format!(
            "archive_file: two entries are named {:?}",
            pair[0].name
        )));
    }
    Ok(entries)
}

fn clean_name(name: &str) -> String {
    name.replace('\\', "/").trim_start_matches('/').to_string()
}

fn read_entry(path: &Path, name: String) -> Result<Entry> {
    let data = std::fs::read(path).map_err(|e| io_error("reading", path, e))?;
    let meta = std::fs::metadata(path).map_err(|e| io_error("reading", path, e))?;
    Ok(Entry {
        name,
        data,
        mode: normal_mode(&meta),
    })
}

/// Executable files stay executable (a custom runtime's `bootstrap`); every other
/// permission bit is fixed so that the umask of a checkout changes nothing.
#[cfg(unix)]
fn normal_mode(meta: &std::fs::Metadata) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    if meta.permissions().mode() & 0o111 != 0 {
        MODE_EXECUTABLE
    } else {
        MODE_FILE
    }
}

#[cfg(not(unix))]
fn normal_mode(_meta: &std::fs::Metadata) -> u32 {
    MODE_FILE
}

/// Every file below `root` (following symbolic links), minus the excludes and the
/// archive itself when it is written inside the directory.
fn walk_dir(root: &Path, excludes: &[String], output: &Path) -> Result<Vec<Entry>> {
    let meta = std::fs::metadata(root).map_err(|e| io_error("reading", root, e))?;
    if !meta.is_dir() {
        return Err(ProviderError::new(format!(
            "archive_file: source_dir {} is not a directory",
            root.display()
        )));
    }
    let output = output.canonicalize().ok();
    let patterns: Vec<String> = excludes
        .iter()
        .map(|e| clean_name(e).trim_end_matches('/').to_string())
        .collect();
    let mut entries = Vec::new();
    let mut seen_dirs = BTreeSet::new();
    let mut stack = vec![(root.to_path_buf(), String::new())];
    while let Some((dir, prefix)) = stack.pop() {
        if let Ok(canonical) = dir.canonicalize() {
            // A symbolic link back up the tree would loop forever.
            if !seen_dirs.insert(canonical) {
                continue;
            }
        }
        let listing = std::fs::read_dir(&dir).map_err(|e| io_error("listing", &dir, e))?;
        for item in listing {
            let item = item.map_err(|e| io_error("listing", &dir, e))?;
            let name = item.file_name().to_string_lossy().to_string();
            let rel = if prefix.is_empty() {
                name
            } else {
                format!("{prefix}/{name}")
            };
            if patterns.iter().any(|p| glob_match(p, &rel)) {
                continue;
            }
            let path = item.path();
            let meta = std::fs::metadata(&path).map_err(|e| io_error("reading", &path, e))?;
            if meta.is_dir() {
                stack.push((path, rel));
            } else if meta.is_file() {
                if output.is_some() && path.canonicalize().ok() == output {
                    continue;
                }
                entries.push(read_entry(&path, rel)?);
            }
        }
    }
    Ok(entries)
}

/// Glob match on `/`-separated paths: `*` and `?` stay within one segment, `**`
/// spans any number of segments.
pub fn glob_match(pattern: &str, path: &str) -> bool {
    let pattern: Vec<&str> = pattern.split('/').collect();
    let path: Vec<&str> = path.split('/').collect();
    match_segments(&pattern, &path)
}

fn match_segments(pattern: &[&str], path: &[&str]) -> bool {
    match pattern.split_first() {
        None => path.is_empty(),
        Some((&"**", rest)) => (0..=path.len()).any(|skip| match_segments(rest, &path[skip..])),
        Some((first, rest)) => match path.split_first() {
            Some((segment, path_rest)) => {
                match_segment(first.as_bytes(), segment.as_bytes())
                    && match_segments(rest, path_rest)
            }
            None => false,
        },
    }
}

fn match_segment(pattern: &[u8], text: &[u8]) -> bool {
    match pattern.split_first() {
        None => text.is_empty(),
        Some((b'*', rest)) => (0..=text.len()).any(|skip| match_segment(rest, &text[skip..])),
        Some((b'?', rest)) => !text.is_empty() && match_segment(rest, &text[1..]),
        Some((c, rest)) => text.first() == Some(c) && match_segment(rest, &text[1..]),
    }
}

/// The zip bytes: entries in the given order, fixed time, fixed permissions.
pub fn zip_entries(entries: &[Entry], file_mode: Option<u32>) -> Result<Vec<u8>> {
    let zip_err = |e: zip::result::ZipError| ProviderError::new(format!("archive_file: {e}"));
    let (year, month, day) = FIXED_TIME;
    let time = zip::DateTime::from_date_and_time(year, month, day, 0, 0, 0)
        .map_err(|e| ProviderError::new(format!("archive_file: {e}")))?;
    let mut writer = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    for entry in entries {
        let options = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated)
            .last_modified_time(time)
            .unix_permissions(file_mode.unwrap_or(entry.mode));
        writer
            .start_file(entry.name.as_str(), options)
            .map_err(zip_err)?;
        writer
            .write_all(&entry.data)
            .map_err(|e| ProviderError::new(format!("archive_file: {e}")))?;
    }
    Ok(writer.finish().map_err(zip_err)?.into_inner())
}

/// Writes the archive unless the same bytes are already there (keeps its mtime).
fn write_if_changed(path: &Path, bytes: &[u8]) -> Result<()> {
    if std::fs::read(path).is_ok_and(|existing| existing == bytes) {
        return Ok(());
    }
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    std::fs::create_dir_all(&dir).map_err(|e| io_error("creating", &dir, e))?;
    // Write beside the target and rename, so a reader never sees half an archive.
    let mut temp =
        tempfile::NamedTempFile::new_in(&dir).map_err(|e| io_error("writing", path, e))?;
    temp.write_all(bytes)
        .map_err(|e| io_error("writing", path, e))?;
    // Temporary files are private (0600); an archive is an ordinary file.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(temp.path(), std::fs::Permissions::from_mode(0o644))
            .map_err(|e| io_error("writing", path, e))?;
    }
    temp.persist(path)
        .map_err(|e| io_error("writing", path, e.error))?;
    Ok(())
}

fn parse_mode(text: &str) -> Result<u32> {
    u32::from_str_radix(text, 8)
        .ok()
        .filter(|m| *m <= 0o7777)
        .ok_or_else(|| {
            ProviderError::new(format!(
                "archive_file: output_file_mode {text:?} is not an octal file mode such as \"0644\""
            ))
        })
}

fn io_error(doing: &str, path: &Path, err: std::io::Error) -> ProviderError {
    ProviderError::new(format!("archive_file: {doing} {}: {err}", path.display()))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
