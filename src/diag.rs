//! Diagnostics that point into stack files: every error about configuration says
//! file:line:col, shows the source line, and says what to do.

use miette::SourceSpan;
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// A stack file's text, shared by every diagnostic that points into it.
#[derive(Clone, Debug)]
pub struct SourceFile {
    /// As shown to the user (relative to where recon runs when possible).
    pub name: String,
    pub path: PathBuf,
    pub text: Arc<String>,
}

/// A byte range in one source file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Span {
    pub file: Arc<SourceFile>,
    pub range: Range<usize>,
}

impl Span {
    pub fn new(file: &Arc<SourceFile>, range: Option<Range<usize>>) -> Span {
        Span {
            file: file.clone(),
            range: range.unwrap_or(0..0),
        }
    }

    /// One-based line and column of the start.
    pub fn line_col(&self) -> (usize, usize) {
        let text = &self.file.text;
        let mut start = self.range.start.min(text.len());
        while !text.is_char_boundary(start) {
            start -= 1;
        }
        let before = &text[..start];
        let line = before.matches('\n').count() + 1;
        let col = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
        (line, col)
    }

    /// `main.hcl:12:3`
    pub fn location(&self) -> String {
        let (line, col) = self.line_col();
        format!("{}:{line}:{col}", self.file.name)
    }
}

impl PartialEq for SourceFile {
    fn eq(&self, other: &Self) -> bool {
        self.path == other.path
    }
}
impl Eq for SourceFile {}

static DEBUG: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// `--debug` / `RECON_LOG`: errors that carry a chain (an AWS SDK report) show it.
pub fn set_debug(on: bool) {
    DEBUG.store(on, std::sync::atomic::Ordering::Relaxed);
}

pub fn debug() -> bool {
    DEBUG.load(std::sync::atomic::Ordering::Relaxed)
}

/// One error or warning, with where it is and what to do about it. Boxed: the
/// evaluator returns `Result<Value, Diag>` from every expression, and errors are rare.
#[derive(Debug, thiserror::Error)]
#[error(transparent)]
pub struct Diag(Box<DiagData>);

/// What a [`Diag`] holds; its public fields read through `Diag` (`diag.message`).
#[derive(Debug, thiserror::Error)]
#[error("{message}")]
pub struct DiagData {
    pub message: String,
    span: Option<Span>,
    label: String,
    pub help: Option<String>,
    /// More places that belong to this error (e.g. each reference on a cycle).
    pub related: Vec<Diag>,
    /// file:line:col of the primary span, for plain-text and JSON output.
    pub location: Option<String>,
    /// The lines shown under the message, built when the diagnostic is rendered
    /// (many are made and dropped unseen, by `try()` for one).
    excerpt: std::sync::OnceLock<Option<Excerpt>>,
    /// Whether the excerpt shows a line of context around the span; off where
    /// the neighbouring lines may hold secrets (a variables file).
    context: bool,
}

impl std::ops::Deref for Diag {
    type Target = DiagData;
    fn deref(&self) -> &DiagData {
        &self.0
    }
}

impl std::ops::DerefMut for Diag {
    fn deref_mut(&mut self) -> &mut DiagData {
        &mut self.0
    }
}

impl miette::Diagnostic for Diag {
    fn help<'a>(&'a self) -> Option<Box<dyn std::fmt::Display + 'a>> {
        self.help
            .as_ref()
            .map(|h| Box::new(h) as Box<dyn std::fmt::Display>)
    }
    fn source_code(&self) -> Option<&dyn miette::SourceCode> {
        self.excerpt().map(|e| e as &dyn miette::SourceCode)
    }
    fn labels(&self) -> Option<Box<dyn Iterator<Item = miette::LabeledSpan> + '_>> {
        let excerpt = self.excerpt()?;
        let span = SourceSpan::new(excerpt.span.start.into(), excerpt.span.len());
        Some(Box::new(std::iter::once(
            miette::LabeledSpan::new_with_span(Some(self.label.clone()), span),
        )))
    }
    fn related<'a>(&'a self) -> Option<Box<dyn Iterator<Item = &'a dyn miette::Diagnostic> + 'a>> {
        if self.related.is_empty() {
            return None;
        }
        Some(Box::new(
            self.related.iter().map(|d| d as &dyn miette::Diagnostic),
        ))
    }
}

/// Messages and help longer than this are cut (a megabyte-long token would
/// otherwise be printed whole, more than once).
const MAX_MESSAGE: usize = 400;

/// `text` cut to about [`MAX_MESSAGE`] characters, saying how much was left out.
pub fn clip(text: String) -> String {
    // `--debug` asked for the whole of it (an AWS SDK report is long).
    if text.len() <= MAX_MESSAGE || debug() {
        return text;
    }
    let total = text.chars().count();
    if total <= MAX_MESSAGE {
        return text;
    }
    let kept: String = text.chars().take(MAX_MESSAGE / 2).collect();
    format!("{kept}… ({} more characters)", total - MAX_MESSAGE / 2)
}

impl Diag {
    /// An error with no place in a stack file (bad flag, unreadable directory).
    pub fn plain(message: impl Into<String>) -> Diag {
        Diag::new(DiagData {
            message: clip(message.into()),
            span: None,
            label: String::new(),
            help: None,
            related: Vec::new(),
            location: None,
            excerpt: Default::default(),
            context: true,
        })
    }

    /// An error about a secret value written at `span`: it names the place
    /// (file:line:col) and shows none of the source there.
    pub fn at_secret(span: &Span, message: impl Into<String>) -> Diag {
        let location = span.location();
        let mut d = Diag::plain(format!("{location}: {}", message.into()));
        d.location = Some(location);
        d
    }

    /// Shows only the lines of the span, none around it (whose values, in a
    /// variables file, may be secrets).
    pub fn without_context(mut self) -> Diag {
        self.context = false;
        self
    }

    fn new(data: DiagData) -> Diag {
        Diag(Box::new(data))
    }

    /// An error at `span`; `label` is the short note under the marked source.
    pub fn at(span: &Span, message: impl Into<String>, label: impl Into<String>) -> Diag {
        Diag::new(DiagData {
            message: clip(message.into()),
            span: Some(span.clone()),
            label: clip(label.into()),
            help: None,
            related: Vec::new(),
            location: Some(span.location()),
            excerpt: Default::default(),
            context: true,
        })
    }

    pub fn with_help(mut self, help: impl Into<String>) -> Diag {
        self.help = Some(clip(help.into()));
        self
    }

    pub fn with_related(mut self, related: Vec<Diag>) -> Diag {
        self.related = related;
        self
    }

    fn excerpt(&self) -> Option<&Excerpt> {
        self.0
            .excerpt
            .get_or_init(|| self.span.as_ref().map(|s| Excerpt::around(s, self.context)))
            .as_ref()
    }

    /// Renders for a terminal (colour when `color`), or as plain text.
    pub fn render(&self, color: bool) -> String {
        let theme = if color {
            miette::GraphicalTheme::unicode()
        } else {
            miette::GraphicalTheme::unicode_nocolor()
        };
        let handler = miette::GraphicalReportHandler::new_themed(theme).with_context_lines(1);
        let mut out = String::new();
        if handler
            .render_report(&mut out, self as &dyn miette::Diagnostic)
            .is_err()
        {
            out = self.message.clone();
        }
        out
    }
}

/// The lines of a file around a span, as shown under a message: at most
/// [`Excerpt::MAX_LINES`] lines, each cut to a window of [`Excerpt::MAX_WIDTH`]
/// characters around the span (a minified or generated file may have one line of
/// megabytes), with the file's own line numbers.
#[derive(Debug)]
struct Excerpt {
    name: String,
    text: String,
    /// 0-based line of the excerpt's first line in the file.
    first_line: usize,
    /// The span, in the excerpt's text.
    span: Range<usize>,
    /// 0-based line and column (in characters) of the span's start in the file.
    start: (usize, usize),
}

impl Excerpt {
    const MAX_WIDTH: usize = 160;
    const MAX_LINES: usize = 12;

    /// With `context`, one line before and after the span's lines.
    fn around(span: &Span, context: bool) -> Excerpt {
        let text = span.file.text.as_str();
        let floor = |mut i: usize| {
            i = i.min(text.len());
            while !text.is_char_boundary(i) {
                i -= 1;
            }
            i
        };
        let (from, to) = (
            floor(span.range.start),
            floor(span.range.end.max(span.range.start)),
        );
        let line_start = |at: usize| text[..at].rfind('\n').map_or(0, |i| i + 1);
        let line_end = |at: usize| text[at..].find('\n').map_or(text.len(), |i| at + i);
        let first_line = text[..from].matches('\n').count();
        let column = text[line_start(from)..from].chars().count();
        // One line of context before and after, as the handler shows.
        let mut begin = line_start(from);
        let mut context_before = 0;
        if begin > 0 && context {
            begin = line_start(begin - 1);
            context_before = 1;
        }
        let mut lines = Vec::new();
        let mut at = begin;
        loop {
            let end = line_end(at);
            lines.push(at..end);
            if lines.len() >= Self::MAX_LINES
                || (end >= to && (!context || lines.len() > context_before + 1))
                || end >= text.len()
            {
                break;
            }
            at = end + 1;
        }
        let mut out = String::new();
        let mut mapped = (None, None);
        for line in &lines {
            let chars: Vec<(usize, char)> = text[line.clone()].char_indices().collect();
            // The window starts a little before the span when the span is on this line.
            let skip = if line.contains(&from) || line.end == from {
                column.saturating_sub(Self::MAX_WIDTH / 3)
            } else {
                0
            };
            let take = Self::MAX_WIDTH.min(chars.len().saturating_sub(skip));
            let window_start = chars.get(skip).map_or(line.end, |(i, _)| line.start + i);
            let window_end = chars
                .get(skip + take)
                .map_or(line.end, |(i, _)| line.start + i);
            if skip > 0 {
                out.push('…');
            }
            let base = out.len();
            out.push_str(&text[window_start..window_end]);
            let here = |o: usize| base + (o.clamp(window_start, window_end) - window_start);
            if mapped.0.is_none() && from <= line.end && from >= line.start {
                mapped.0 = Some(here(from));
            }
            if to <= line.end && to >= line.start {
                mapped.1 = Some(here(to));
            }
            if window_end < line.end {
                out.push('…');
            }
            out.push('\n');
        }
        let start = mapped.0.unwrap_or(0);
        let end = mapped.1.unwrap_or(out.len().saturating_sub(1)).max(start);
        Excerpt {
            name: span.file.name.clone(),
            text: out,
            first_line: first_line - context_before,
            span: start..end,
            start: (first_line, column),
        }
    }
}

impl miette::SourceCode for Excerpt {
    fn read_span<'a>(
        &'a self,
        span: &SourceSpan,
        before: usize,
        after: usize,
    ) -> Result<Box<dyn miette::SpanContents<'a> + 'a>, miette::MietteError> {
        let inner = miette::SourceCode::read_span(self.text.as_str(), span, before, after)?;
        // The file's own line and column for the span itself.
        let (line, column) = if span.offset() == self.span.start && before == 0 {
            self.start
        } else {
            (inner.line() + self.first_line, inner.column())
        };
        Ok(Box::new(miette::MietteSpanContents::new_named(
            self.name.clone(),
            inner.data(),
            *inner.span(),
            line,
            column,
            inner.line_count(),
        )))
    }
}

/// Several diagnostics at once: configuration errors are reported together.
#[derive(Debug, thiserror::Error)]
#[error("{} error(s) in the stack", .0.len())]
pub struct Diags(pub Vec<Diag>);

impl From<Diag> for Diags {
    fn from(d: Diag) -> Self {
        Diags(vec![d])
    }
}

/// The closest candidate to a misspelt name, if any is close enough to suggest.
pub fn did_you_mean<'a>(
    name: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    candidates
        .into_iter()
        .map(|c| (strsim::jaro_winkler(name, c), c))
        .filter(|(score, _)| *score > 0.8)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, c)| c)
}

/// The text of the file at `path` (at most [`crate::config::limits::MAX_FILE_BYTES`]);
/// `what` starts the message when it cannot be read ("variables file ").
pub fn read_text(path: &Path, what: &str) -> Result<String, Diag> {
    let bytes = crate::config::limits::read_bounded(path)
        .map_err(|e| Diag::plain(format!("cannot read {what}{}: {e}", display_path(path))))?;
    utf8_text(path, display_path(path), bytes)
}

/// `bytes` as text, or an error that names the first byte that is not UTF-8 by
/// line and column, and shows where it is.
pub fn utf8_text(path: &Path, name: String, bytes: Vec<u8>) -> Result<String, Diag> {
    let e = match String::from_utf8(bytes) {
        Ok(text) => return Ok(text),
        Err(e) => e,
    };
    let at = e.utf8_error().valid_up_to();
    let bad = e.as_bytes()[at];
    // The text before the bad byte is the same in the lossy copy.
    let lossy = String::from_utf8_lossy(e.as_bytes()).into_owned();
    let file = Arc::new(SourceFile {
        name,
        path: path.to_path_buf(),
        text: Arc::new(lossy),
    });
    let span = Span::new(&file, Some(at..at + '\u{FFFD}'.len_utf8()));
    Err(Diag::at(
        &span,
        format!(
            "{} is not UTF-8 text: byte 0x{bad:02x} at line {}, column {} (byte offset {at})",
            file.name,
            span.line_col().0,
            span.line_col().1
        ),
        "not UTF-8",
    )
    .with_help("save the file as UTF-8 (stack, policy and variables files are UTF-8 text)"))
}

/// `path` relative to the current directory when it lies below it.
pub fn display_path(path: &Path) -> String {
    let shown = std::env::current_dir()
        .ok()
        .and_then(|cwd| path.strip_prefix(cwd).ok().map(Path::to_path_buf))
        .unwrap_or_else(|| path.to_path_buf());
    let shown = shown.strip_prefix(".").unwrap_or(&shown);
    shown.display().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(text: &str) -> Arc<SourceFile> {
        Arc::new(SourceFile {
            name: "main.hcl".into(),
            path: "main.hcl".into(),
            text: Arc::new(text.to_string()),
        })
    }

    #[test]
    fn location_is_one_based_line_and_column() {
        let f = file("a = 1\n  bb = 2\n");
        let span = Span::new(&f, Some(8..10));
        assert_eq!(span.location(), "main.hcl:2:3");
    }

    #[test]
    fn rendered_error_shows_location_source_and_help() {
        let f = file("resource \"x\" \"y\" {\n  instanse_type = 1\n}\n");
        let d = Diag::at(
            &Span::new(&f, Some(21..34)),
            "unsupported argument",
            "not expected here",
        )
        .with_help("did you mean \"instance_type\"?");
        let text = d.render(false);
        assert!(text.contains("main.hcl:2:3"), "{text}");
        assert!(text.contains("instanse_type = 1"), "{text}");
        assert!(text.contains("did you mean \"instance_type\"?"), "{text}");
    }

    #[test]
    fn a_long_line_is_shown_as_a_window_around_the_error() {
        let long = "x".repeat(100_000);
        let f = file(&format!(
            "a = 1\nb = \"{long}\" + oops + \"{long}\"\nc = 2\n"
        ));
        let at = f.text.find("oops").unwrap();
        let d = Diag::at(&Span::new(&f, Some(at..at + 4)), "m".repeat(10_000), "here");
        let text = d.render(false);
        assert!(text.len() < 2_000, "{} bytes:\n{text}", text.len());
        assert!(text.contains("main.hcl:2:100010"), "{text}");
        assert!(text.contains("+ oops +") && text.contains("here"), "{text}");
        assert!(text.contains("more characters)"), "{text}");
        assert!(text.contains("a = 1") && text.contains("c = 2"), "{text}");
    }

    #[test]
    fn a_span_past_the_end_or_inside_a_character_still_renders() {
        let f = file("naïve = é\n");
        for range in [0..100, 3..4, 9..9, 11..11] {
            let d = Diag::at(&Span::new(&f, Some(range.clone())), "m", "l");
            assert!(d.render(false).contains("main.hcl"), "{range:?}");
        }
    }

    #[test]
    fn a_file_that_is_not_utf8_is_named_with_the_line_and_column_of_the_bad_byte() {
        let bytes = b"a = 1\nb = \"x\xffy\"\n".to_vec();
        let d = utf8_text(Path::new("main.hcl"), "main.hcl".into(), bytes).unwrap_err();
        assert_eq!(d.location.as_deref(), Some("main.hcl:2:7"));
        assert!(
            d.message
                .contains("byte 0xff at line 2, column 7 (byte offset 12)"),
            "{}",
            d.message
        );
        let text = d.render(false);
        assert!(text.contains("not UTF-8"), "{text}");
        assert!(utf8_text(Path::new("x"), "x".into(), b"ok".to_vec()).is_ok());
    }

    #[test]
    fn a_diag_is_one_pointer_so_results_stay_small() {
        assert_eq!(std::mem::size_of::<Diag>(), std::mem::size_of::<usize>());
    }

    #[test]
    fn suggestions_only_when_close() {
        let names = ["instance_type", "ami", "subnet_id"];
        assert_eq!(did_you_mean("instanse_type", names), Some("instance_type"));
        assert_eq!(did_you_mean("zzz", names), None);
    }
}
