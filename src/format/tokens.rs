//! HCL split into the tokens Terraform's formatter works on: the text of each,
//! without the whitespace between them (the formatter decides that again).
//! Comments and newlines are tokens, so nothing but spacing is ever lost.

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Ident,
    Number,
    /// `"` opening a quoted template.
    OQuote,
    /// Literal text inside a quoted template.
    QuotedLit,
    CQuote,
    /// `${` (or `${~`).
    TemplateInterp,
    /// `%{` (or `%{~`).
    TemplateControl,
    /// The `}` (or `~}`) that ends an interpolation or directive.
    TemplateSeqEnd,
    /// `<<EOT` or `<<-EOT`, with its newline.
    OHeredoc,
    /// Literal text of a heredoc: kept byte for byte.
    StringLit,
    /// The line that closes a heredoc (its indentation and marker).
    CHeredoc,
    OBrace,
    CBrace,
    OBrack,
    CBrack,
    OParen,
    CParen,
    Comma,
    Dot,
    Ellipsis,
    Equal,
    FatArrow,
    Colon,
    DoubleColon,
    Question,
    Minus,
    /// `+ * / %`
    Arithmetic,
    /// `== != < <= > >=`
    Comparison,
    /// `&& ||`
    Logical,
    Bang,
    Newline,
    /// `# ...` and `// ...` with their newline; `/* ... */` without.
    Comment,
    /// Anything else (a stray character): kept as it is.
    Other,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Token {
    pub kind: Kind,
    pub text: String,
}

impl Token {
    /// +1 for what opens a bracket, -1 for what closes one.
    pub fn bracket_change(&self) -> i32 {
        match self.kind {
            Kind::OBrace
            | Kind::OBrack
            | Kind::OParen
            | Kind::TemplateInterp
            | Kind::TemplateControl => 1,
            Kind::CBrace | Kind::CBrack | Kind::CParen | Kind::TemplateSeqEnd => -1,
            _ => 0,
        }
    }

    /// A newline, or a line comment that ends with its newline.
    pub fn ends_line(&self) -> bool {
        self.kind == Kind::Newline || (self.kind == Kind::Comment && self.text.ends_with('\n'))
    }

    /// Display columns: characters (the heredoc and block comment case, which
    /// span lines, never sit before an aligned cell).
    pub fn columns(&self) -> usize {
        self.text.chars().count()
    }
}

/// Where the lexer is: in expressions (with the braces opened inside a
/// template interpolation), in a quoted template's text, or in a heredoc's.
#[derive(Clone)]
enum Mode {
    Expr { braces: usize, in_template: bool },
    Quoted,
    Heredoc { marker: String, line_start: bool },
}

/// The tokens of `src`. Never fails: what is not HCL becomes `Other` (the
/// caller parses the file first and refuses malformed ones).
pub fn tokenize(src: &str) -> Vec<Token> {
    let chars: Vec<char> = src.chars().collect();
    let mut out = Vec::new();
    let mut modes = vec![Mode::Expr {
        braces: 0,
        in_template: false,
    }];
    let mut i = 0;
    let push = |out: &mut Vec<Token>, kind: Kind, text: String| out.push(Token { kind, text });
    while i < chars.len() {
        let c = chars[i];
        let next = chars.get(i + 1).copied();
        let mode = modes.last().cloned().unwrap_or(Mode::Expr {
            braces: 0,
            in_template: false,
        });
        if let Mode::Heredoc { marker, line_start } = &mode {
            i = heredoc_text(&chars, i, marker, *line_start, &mut out, &mut modes);
            continue;
        }
        if let Mode::Quoted = mode {
            match (c, next) {
                ('"', _) => {
                    push(&mut out, Kind::CQuote, "\"".into());
                    modes.pop();
                    i += 1;
                }
                ('$' | '%', Some('{')) => i = template_open(&chars, i, &mut out, &mut modes),
                ('\n' | '\r', _) => {
                    // An unterminated string: the line ends it.
                    modes.pop();
                }
                _ => {
                    let start = i;
                    while i < chars.len() {
                        match (chars[i], chars.get(i + 1).copied()) {
                            ('"' | '\n' | '\r', _) => break,
                            ('\\', Some(_)) => i += 2,
                            // `$${` and `%%{` are literal text.
                            ('$', Some('$')) | ('%', Some('%'))
                                if chars.get(i + 2) == Some(&'{') =>
                            {
                                i += 3
                            }
                            ('$' | '%', Some('{')) => break,
                            _ => i += 1,
                        }
                    }
                    let end = i.min(chars.len());
                    push(
                        &mut out,
                        Kind::QuotedLit,
                        chars[start..end].iter().collect(),
                    );
                    i = end;
                }
            }
            continue;
        }
        let Mode::Expr {
            braces,
            in_template,
        } = mode
        else {
            continue;
        };
        match c {
            ' ' | '\t' => i += 1,
            '\r' if next == Some('\n') => i += 1,
            '\n' => {
                push(&mut out, Kind::Newline, "\n".into());
                i += 1;
            }
            '#' => i = line_comment(&chars, i, &mut out),
            '/' if next == Some('/') => i = line_comment(&chars, i, &mut out),
            '/' if next == Some('*') => {
                let start = i;
                i += 2;
                while i < chars.len() && !(chars[i] == '*' && chars.get(i + 1) == Some(&'/')) {
                    i += 1;
                }
                i = (i + 2).min(chars.len());
                push(&mut out, Kind::Comment, chars[start..i].iter().collect());
            }
            '"' => {
                push(&mut out, Kind::OQuote, "\"".into());
                modes.push(Mode::Quoted);
                i += 1;
            }
            '<' if next == Some('<') && heredoc_marker(&chars, i).is_some() => {
                let (marker, end) = heredoc_marker(&chars, i).unwrap_or_default();
                push(&mut out, Kind::OHeredoc, chars[i..end].iter().collect());
                modes.push(Mode::Heredoc {
                    marker,
                    line_start: true,
                });
                i = end;
            }
            '~' if in_template && braces == 0 && next == Some('}') => {
                push(&mut out, Kind::TemplateSeqEnd, "~}".into());
                end_template(&mut modes);
                i += 2;
            }
            '{' => {
                if let Some(Mode::Expr { braces, .. }) = modes.last_mut() {
                    *braces += 1;
                }
                push(&mut out, Kind::OBrace, "{".into());
                i += 1;
            }
            '}' => {
                if in_template && braces == 0 {
                    push(&mut out, Kind::TemplateSeqEnd, "}".into());
                    modes.pop();
                } else {
                    if let Some(Mode::Expr { braces, .. }) = modes.last_mut() {
                        *braces = braces.saturating_sub(1);
                    }
                    push(&mut out, Kind::CBrace, "}".into());
                }
                i += 1;
            }
            c if c.is_ascii_digit() => {
                let start = i;
                i = number_end(&chars, i);
                push(&mut out, Kind::Number, chars[start..i].iter().collect());
            }
            c if c.is_alphabetic() || c == '_' => {
                let start = i;
                while i < chars.len()
                    && (chars[i].is_alphanumeric() || chars[i] == '_' || chars[i] == '-')
                {
                    i += 1;
                }
                push(&mut out, Kind::Ident, chars[start..i].iter().collect());
            }
            _ => {
                let (kind, len) = operator(c, next, chars.get(i + 2).copied());
                push(&mut out, kind, chars[i..i + len].iter().collect());
                i += len;
            }
        }
    }
    out
}

fn operator(c: char, next: Option<char>, third: Option<char>) -> (Kind, usize) {
    match (c, next) {
        ('.', Some('.')) if third == Some('.') => (Kind::Ellipsis, 3),
        ('.', _) => (Kind::Dot, 1),
        (':', Some(':')) => (Kind::DoubleColon, 2),
        (':', _) => (Kind::Colon, 1),
        ('=', Some('>')) => (Kind::FatArrow, 2),
        ('=', Some('=')) | ('!', Some('=')) | ('<', Some('=')) | ('>', Some('=')) => {
            (Kind::Comparison, 2)
        }
        ('=', _) => (Kind::Equal, 1),
        ('<' | '>', _) => (Kind::Comparison, 1),
        ('!', _) => (Kind::Bang, 1),
        ('&', Some('&')) | ('|', Some('|')) => (Kind::Logical, 2),
        ('?', _) => (Kind::Question, 1),
        ('-', _) => (Kind::Minus, 1),
        ('+' | '*' | '/' | '%', _) => (Kind::Arithmetic, 1),
        ('[', _) => (Kind::OBrack, 1),
        (']', _) => (Kind::CBrack, 1),
        ('(', _) => (Kind::OParen, 1),
        (')', _) => (Kind::CParen, 1),
        (',', _) => (Kind::Comma, 1),
        _ => (Kind::Other, 1),
    }
}

/// A `#` or `//` comment, through its newline.
fn line_comment(chars: &[char], start: usize, out: &mut Vec<Token>) -> usize {
    let mut i = start;
    while i < chars.len() && chars[i] != '\n' {
        i += 1;
    }
    let mut text: String = chars[start..i].iter().collect();
    if i < chars.len() {
        i += 1;
        // A CRLF line keeps only its LF, as every other line.
        if text.ends_with('\r') {
            text.pop();
        }
        text.push('\n');
    }
    out.push(Token {
        kind: Kind::Comment,
        text,
    });
    i
}

fn number_end(chars: &[char], mut i: usize) -> usize {
    let digits = |mut i: usize| {
        while i < chars.len() && chars[i].is_ascii_digit() {
            i += 1;
        }
        i
    };
    i = digits(i);
    if chars.get(i) == Some(&'.') && chars.get(i + 1).is_some_and(char::is_ascii_digit) {
        i = digits(i + 1);
    }
    if matches!(chars.get(i), Some('e' | 'E')) {
        let sign = usize::from(matches!(chars.get(i + 1), Some('+' | '-')));
        if chars.get(i + 1 + sign).is_some_and(char::is_ascii_digit) {
            i = digits(i + 1 + sign);
        }
    }
    i
}

/// `${` or `%{` (with a `~`) at `i`: opens an interpolation or directive.
fn template_open(chars: &[char], i: usize, out: &mut Vec<Token>, modes: &mut Vec<Mode>) -> usize {
    let kind = if chars[i] == '$' {
        Kind::TemplateInterp
    } else {
        Kind::TemplateControl
    };
    let len = if chars.get(i + 2) == Some(&'~') { 3 } else { 2 };
    out.push(Token {
        kind,
        text: chars[i..i + len].iter().collect(),
    });
    modes.push(Mode::Expr {
        braces: 0,
        in_template: true,
    });
    i + len
}

/// Leaves an interpolation: a heredoc goes on mid-line.
fn end_template(modes: &mut Vec<Mode>) {
    modes.pop();
    if let Some(Mode::Heredoc { line_start, .. }) = modes.last_mut() {
        *line_start = false;
    }
}

/// The marker of a heredoc starting at `start` (`<<EOT` or `<<-EOT` then a
/// newline), and where its first line ends (after the newline).
fn heredoc_marker(chars: &[char], start: usize) -> Option<(String, usize)> {
    let mut i = start + 2;
    if chars.get(i) == Some(&'-') {
        i += 1;
    }
    let from = i;
    while i < chars.len() && (chars[i].is_alphanumeric() || chars[i] == '_' || chars[i] == '-') {
        i += 1;
    }
    let marker: String = chars[from..i].iter().collect();
    let end = match (chars.get(i), chars.get(i + 1)) {
        (Some('\n'), _) => i + 1,
        (Some('\r'), Some('\n')) => i + 2,
        _ => return None,
    };
    (!marker.is_empty()).then_some((marker, end))
}

/// Heredoc text from `i`: the closing line when this line is one, else the
/// literal text up to an interpolation or through the newline.
fn heredoc_text(
    chars: &[char],
    i: usize,
    marker: &str,
    line_start: bool,
    out: &mut Vec<Token>,
    modes: &mut Vec<Mode>,
) -> usize {
    let mut end = i;
    while end < chars.len() && chars[end] != '\n' {
        end += 1;
    }
    let line: String = chars[i..end].iter().collect();
    if line_start && line.trim() == marker {
        let text = line.trim_end().to_string();
        let len = text.chars().count();
        out.push(Token {
            kind: Kind::CHeredoc,
            text,
        });
        modes.pop();
        return i + len;
    }
    let mut j = i;
    while j < chars.len() {
        match (chars[j], chars.get(j + 1).copied()) {
            ('\n', _) => {
                j += 1;
                break;
            }
            ('$', Some('$')) | ('%', Some('%')) if chars.get(j + 2) == Some(&'{') => j += 3,
            ('$' | '%', Some('{')) => break,
            _ => j += 1,
        }
    }
    if j > i {
        out.push(Token {
            kind: Kind::StringLit,
            text: chars[i..j].iter().collect(),
        });
    }
    let at_newline = j > i && chars[j - 1] == '\n';
    if let Some(Mode::Heredoc { line_start, .. }) = modes.last_mut() {
        *line_start = at_newline;
    }
    if j < chars.len() && !at_newline {
        return template_open(chars, j, out, modes);
    }
    if j >= chars.len() {
        // An unterminated heredoc ends with the text.
        modes.pop();
    }
    j
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(src: &str) -> Vec<(Kind, String)> {
        tokenize(src)
            .into_iter()
            .map(|t| (t.kind, t.text))
            .collect()
    }

    #[test]
    fn templates_split_into_text_and_interpolations() {
        let toks = kinds(r#"a = "x-${var.n}-$${lit} ${ {a=1} }""#);
        let texts: Vec<&str> = toks.iter().map(|(_, t)| t.as_str()).collect();
        assert_eq!(
            texts,
            vec![
                "a",
                "=",
                "\"",
                "x-",
                "${",
                "var",
                ".",
                "n",
                "}",
                "-$${lit} ",
                "${",
                "{",
                "a",
                "=",
                "1",
                "}",
                "}",
                "\""
            ]
        );
        assert_eq!(toks[8].0, Kind::TemplateSeqEnd);
        assert_eq!(toks[15].0, Kind::CBrace);
        assert_eq!(toks[16].0, Kind::TemplateSeqEnd);
    }

    #[test]
    fn heredocs_and_comments_are_kept_whole() {
        let src = "p = <<-EOT\n  {\"a\": ${ x }}\n    EOT\n# c\n/* x\ny */ b = 1 // t\n";
        let toks = kinds(src);
        let want = [
            (Kind::OHeredoc, "<<-EOT\n"),
            (Kind::StringLit, "  {\"a\": "),
            (Kind::TemplateInterp, "${"),
            (Kind::Ident, "x"),
            (Kind::TemplateSeqEnd, "}"),
            (Kind::StringLit, "}\n"),
            (Kind::CHeredoc, "    EOT"),
            (Kind::Newline, "\n"),
            (Kind::Comment, "# c\n"),
            (Kind::Comment, "/* x\ny */"),
        ];
        for (k, (kind, text)) in want.iter().enumerate() {
            assert_eq!(toks[k + 2], (*kind, text.to_string()), "token {}", k + 2);
        }
        assert_eq!(toks[15], (Kind::Comment, "// t\n".into()));
    }

    #[test]
    fn operators_numbers_and_identifiers() {
        let toks = kinds("x = a-b >= -1.5e3 ? [for k, v in m : k => v...] : !c && d::f(1)");
        let got: Vec<Kind> = toks.iter().map(|(k, _)| *k).collect();
        use Kind::*;
        assert_eq!(
            got,
            vec![
                Ident,
                Equal,
                Ident,
                Comparison,
                Minus,
                Number,
                Question,
                OBrack,
                Ident,
                Ident,
                Comma,
                Ident,
                Ident,
                Ident,
                Colon,
                Ident,
                FatArrow,
                Ident,
                Ellipsis,
                CBrack,
                Colon,
                Bang,
                Ident,
                Logical,
                Ident,
                DoubleColon,
                Ident,
                OParen,
                Number,
                CParen
            ]
        );
        assert_eq!(toks[2].1, "a-b", "HCL identifiers may hold dashes");
    }
}
