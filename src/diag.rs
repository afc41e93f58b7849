//! Diagnostics that point into stack files: every error about configuration says
//! file:line:col, shows the source line, and says what to do.

use miette::{NamedSource, SourceSpan};
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
        let start = self.range.start.min(text.len());
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

/// One error or warning, with where it is and what to do about it. Boxed: the
/// evaluator returns `Result<Value, Diag>` from every expression, and errors are rare.
#[derive(Debug, thiserror::Error)]
#[error(transparent)]
pub struct Diag(Box<DiagData>);

/// What a [`Diag`] holds; its public fields read through `Diag` (`diag.message`).
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
#[error("{message}")]
pub struct DiagData {
    pub message: String,
    #[source_code]
    source_code: Option<NamedSource<Arc<String>>>,
    #[label("{label}")]
    span_label: Option<SourceSpan>,
    label: String,
    #[help]
    pub help: Option<String>,
    /// More places that belong to this error (e.g. each reference on a cycle).
    #[related]
    pub related: Vec<Diag>,
    /// file:line:col of the primary span, for plain-text and JSON output.
    pub location: Option<String>,
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
        self.0.help()
    }
    fn source_code(&self) -> Option<&dyn miette::SourceCode> {
        self.0.source_code()
    }
    fn labels(&self) -> Option<Box<dyn Iterator<Item = miette::LabeledSpan> + '_>> {
        self.0.labels()
    }
    fn related<'a>(&'a self) -> Option<Box<dyn Iterator<Item = &'a dyn miette::Diagnostic> + 'a>> {
        self.0.related()
    }
}

impl Diag {
    /// An error with no place in a stack file (bad flag, unreadable directory).
    pub fn plain(message: impl Into<String>) -> Diag {
        Diag::new(DiagData {
            message: message.into(),
            source_code: None,
            span_label: None,
            label: String::new(),
            help: None,
            related: Vec::new(),
            location: None,
        })
    }

    fn new(data: DiagData) -> Diag {
        Diag(Box::new(data))
    }

    /// An error at `span`; `label` is the short note under the marked source.
    pub fn at(span: &Span, message: impl Into<String>, label: impl Into<String>) -> Diag {
        let file = &span.file;
        let len = span.range.end.saturating_sub(span.range.start);
        let message = message.into();
        Diag::new(DiagData {
            message,
            source_code: Some(
                // miette adds line:col after the name itself.
                NamedSource::new(file.name.clone(), file.text.clone()).with_language("hcl"),
            ),
            span_label: Some(SourceSpan::new(span.range.start.into(), len)),
            label: label.into(),
            help: None,
            related: Vec::new(),
            location: Some(span.location()),
        })
    }

    pub fn with_help(mut self, help: impl Into<String>) -> Diag {
        self.help = Some(help.into());
        self
    }

    pub fn with_related(mut self, related: Vec<Diag>) -> Diag {
        self.related = related;
        self
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
