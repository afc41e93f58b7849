//! Terraform's canonical layout for HCL (`terraform fmt`): only whitespace
//! changes. Lines are indented two spaces per open bracket, the spaces between
//! tokens follow Terraform's rules, and the `=` of attributes on consecutive
//! lines (and trailing comments) are aligned. The rules are those of
//! hashicorp/hcl's `hclwrite` formatter, applied to the same kind of tokens.

mod tokens;

use tokens::{Kind, Token};

/// A token and the spaces the layout puts before it.
struct Placed {
    token: Token,
    spaces: usize,
}

/// One source line in three cells: what comes first, the attribute
/// assignment from its `=` on, and a trailing comment. Indices into the tokens.
struct Line {
    lead: std::ops::Range<usize>,
    assign: Option<std::ops::Range<usize>>,
    comment: Option<usize>,
}

/// `src` laid out as `terraform fmt` does. The caller checks the syntax first:
/// malformed input is laid out as well as its tokens allow.
pub fn format(src: &str) -> String {
    let mut toks: Vec<Placed> = tokens::tokenize(src)
        .into_iter()
        .map(|token| Placed { token, spaces: 0 })
        .collect();
    let lines = split_lines(&toks);
    indent(&mut toks, &lines);
    space(&mut toks, &lines);
    align(&mut toks, &lines);
    let mut out = String::with_capacity(src.len());
    for t in &toks {
        out.extend(std::iter::repeat_n(' ', t.spaces));
        out.push_str(&t.token.text);
    }
    out
}

fn split_lines(toks: &[Placed]) -> Vec<Line> {
    let mut lines = Vec::new();
    let mut start = 0;
    for (i, t) in toks.iter().enumerate() {
        if t.token.ends_line() {
            lines.push(start..i + 1);
            start = i + 1;
        }
    }
    if start < toks.len() {
        lines.push(start..toks.len());
    }
    lines
        .into_iter()
        .map(|mut lead| {
            let mut comment = None;
            if lead.len() > 1 && toks[lead.end - 1].token.kind == Kind::Comment {
                comment = Some(lead.end - 1);
                lead.end -= 1;
            }
            // An `=` starts the assign cell when what follows closes every bracket it opens.
            let mut assign = None;
            if let Some(eq) = lead
                .clone()
                .skip(1)
                .find(|&i| toks[i].token.kind == Kind::Equal)
            {
                if net_brackets(toks, eq..lead.end) == 0 {
                    assign = Some(eq..lead.end);
                    lead.end = eq;
                }
            }
            Line {
                lead,
                assign,
                comment,
            }
        })
        .collect()
}

/// Brackets opened less those closed in `range`, up to a heredoc (whose
/// text is not code).
fn net_brackets(toks: &[Placed], range: std::ops::Range<usize>) -> i32 {
    let mut net = 0;
    for t in &toks[range] {
        net += t.token.bracket_change();
        if t.token.kind == Kind::OHeredoc {
            break;
        }
    }
    net
}

/// Two spaces per level: a line that opens brackets indents the lines after it;
/// one that closes them is itself dedented.
fn indent(toks: &mut [Placed], lines: &[Line]) {
    let mut levels: Vec<i32> = Vec::new();
    for line in lines {
        let first = line.lead.start;
        if line.lead.is_empty() {
            continue;
        }
        if toks[first].token.kind == Kind::Newline {
            toks[first].spaces = 0;
            continue;
        }
        let net = net_brackets(toks, line.lead.clone())
            + line
                .assign
                .clone()
                .map_or(0, |assign| net_brackets(toks, assign));
        if net > 0 {
            toks[first].spaces = 2 * levels.len();
            levels.push(net);
            continue;
        }
        let mut closed = -net;
        while closed > 0 {
            let Some(top) = levels.last_mut() else { break };
            if closed >= *top {
                closed -= *top;
                levels.pop();
            } else {
                *top -= closed;
                closed = 0;
            }
        }
        toks[first].spaces = 2 * levels.len();
    }
}

/// The spaces between the tokens of each cell.
fn space(toks: &mut [Placed], lines: &[Line]) {
    for line in lines {
        for (k, cell) in [Some(line.lead.clone()), line.assign.clone()]
            .into_iter()
            .flatten()
            .enumerate()
        {
            if k == 1 {
                toks[cell.start].spaces = 1;
            }
            for i in cell.clone() {
                if i + 1 >= cell.end {
                    break;
                }
                let before = (i > cell.start).then(|| toks[i - 1].token.kind);
                let apart = space_after(&toks[i].token, before, &toks[i + 1].token);
                toks[i + 1].spaces = usize::from(apart);
            }
        }
    }
}

/// Whether `subject` (after `before`, None at the start of a cell) takes a space before `after`.
fn space_after(subject: &Token, before: Option<Kind>, after: &Token) -> bool {
    use Kind::*;
    let (s, a) = (subject.kind, after.kind);
    match () {
        _ if a == Newline => false,
        // `for x in (...)`: the keyword, not a function named `in`.
        _ if s == Ident && subject.text == "in" && before == Some(Ident) => true,
        _ if s == Ident && a == OParen => false,
        _ if (s == Ident && a == DoubleColon) || (s == DoubleColon && a == Ident) => false,
        _ if s == Dot || a == Dot => false,
        _ if a == Comma || a == Ellipsis => false,
        _ if s == Comma => true,
        _ if matches!(s, QuotedLit | StringLit | OQuote | OHeredoc)
            || matches!(a, QuotedLit | StringLit | CQuote | CHeredoc) =>
        {
            false
        }
        _ if a == OBrack && (matches!(s, Ident | Number) || subject.bracket_change() < 0) => false,
        _ if s == Minus => !matches!(
            before,
            None | Some(
                OParen
                    | OBrace
                    | OBrack
                    | Equal
                    | Colon
                    | Comma
                    | Question
                    | Arithmetic
                    | Minus
                    | Comparison
                    | Logical
                    | Bang
            )
        ),
        // Unary not binds to its operand (`!var.enabled`).
        _ if s == Bang => false,
        _ if s == OBrace || a == CBrace => !(s == OBrace && a == CBrace),
        _ if matches!(s, TemplateInterp | TemplateControl) && a == OBrace => true,
        _ if s == CBrace && a == TemplateSeqEnd => true,
        _ if s == TemplateSeqEnd && matches!(a, TemplateInterp | TemplateControl) => false,
        _ if subject.bracket_change() > 0 => false,
        _ if after.bracket_change() < 0 => false,
        _ => true,
    }
}

/// Aligns the `=` of consecutive attribute lines, then the trailing comments
/// of consecutive lines; any other line ends a run.
fn align(toks: &mut [Placed], lines: &[Line]) {
    let width = |toks: &[Placed], range: &std::ops::Range<usize>| -> usize {
        range
            .clone()
            .map(|i| toks[i].spaces + toks[i].token.columns())
            .sum()
    };
    let mut run: Vec<(usize, usize)> = Vec::new();
    let flush = |toks: &mut [Placed], run: &mut Vec<(usize, usize)>| {
        let widest = run.iter().map(|(_, w)| *w).max().unwrap_or(0);
        for (at, w) in run.drain(..) {
            toks[at].spaces = widest - w + 1;
        }
    };
    for line in lines {
        match &line.assign {
            Some(assign) => {
                let w = width(toks, &line.lead);
                run.push((assign.start, w));
            }
            None => flush(toks, &mut run),
        }
    }
    flush(toks, &mut run);
    for line in lines {
        match line.comment {
            Some(at) => {
                let assign = line.assign.clone().unwrap_or(0..0);
                let w = width(toks, &line.lead) + width(toks, &assign);
                run.push((at, w));
            }
            None => flush(toks, &mut run),
        }
    }
    flush(toks, &mut run);
}

#[cfg(test)]
mod tests {
    use super::format;

    #[test]
    fn aligns_indents_and_spaces_like_terraform() {
        let src = "resource \"aws_vpc\" \"main\"{\ncidr_block=\"10.0.0.0/16\"\n    enable_dns_support   =true # on\n  tags = {\nName=\"x\"\n  }\n}\n";
        let want = "resource \"aws_vpc\" \"main\" {\n  cidr_block         = \"10.0.0.0/16\"\n  enable_dns_support = true # on\n  tags = {\n    Name = \"x\"\n  }\n}\n";
        assert_eq!(format(src), want);
        assert_eq!(format(want), want, "formatting is idempotent");
    }

    #[test]
    fn expressions_take_terraform_spacing() {
        let cases = [
            ("a = [ 1,2 ,3 ]\n", "a = [1, 2, 3]\n"),
            ("a = f( x , - 1 )\n", "a = f(x, -1)\n"),
            ("a = b -1\n", "a = b - 1\n"),
            ("a = var.list [ 0 ]\n", "a = var.list[0]\n"),
            ("a = { }\n", "a = {}\n"),
            ("a = {x=1}\n", "a = { x = 1 }\n"),
            ("a = \"${ var.x }-y\"\n", "a = \"${var.x}-y\"\n"),
            (
                "a = [for k,v in m: k=>v if v!=null]\n",
                "a = [for k, v in m : k => v if v != null]\n",
            ),
            ("a = [for x in(f(y)): x]\n", "a = [for x in (f(y)) : x]\n"),
            ("a = x ? y : -z\n", "a = x ? y : -z\n"),
            ("a = !b&&c\n", "a = !b && c\n"),
            ("a = f(xs ...)\n", "a = f(xs...)\n"),
            (
                "a = provider::aws::arn_parse(x)\n",
                "a = provider::aws::arn_parse(x)\n",
            ),
            ("a   =   1   \n\n\n b=2", "a = 1\n\n\nb = 2"),
        ];
        for (src, want) in cases {
            assert_eq!(format(src), want, "{src:?}");
        }
    }

    #[test]
    fn nesting_and_comment_columns() {
        let src =
            "a = 1 # one\nbungle = \"bonce\" # two\nfoo = [{\n# inner\nx = [\n1,\n- 2,\n]\n}]\n";
        let want = "a      = 1       # one\nbungle = \"bonce\" # two\nfoo = [{\n  # inner\n  x = [\n    1,\n    -2,\n  ]\n}]\n";
        assert_eq!(format(src), want);
        let heredoc = "b {\nv = <<-EOT\n  ${ c } ${{ k = x }}\nEOT\n}\n";
        assert_eq!(
            format(heredoc),
            "b {\n  v = <<-EOT\n  ${c} ${ { k = x } }\nEOT\n}\n"
        );
    }

    #[test]
    fn heredocs_comments_and_blank_lines_stay() {
        let src = "locals {\n  # why\n  policy = <<EOT\n{\n   \"a\" :  1\n}\nEOT\n  x = 1\n\n  long_name = 2 /* c */\n}\n";
        let want = "locals {\n  # why\n  policy = <<EOT\n{\n   \"a\" :  1\n}\nEOT\n  x      = 1\n\n  long_name = 2 /* c */\n}\n";
        assert_eq!(format(src), want);
    }
}
