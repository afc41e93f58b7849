//! Parsing for `recon check`, which reads code that never ran `terraform validate`:
//! spellings that Checkov's parser accepts and hcl-edit does not are repaired, each
//! with a note, so that the rest of the file is still checked. Repairs keep every
//! line where it was, so locations stay those of the file on disk.

use hcl_edit::expr::Expression;
use hcl_edit::structure::Body;
use hcl_edit::visit::{visit_expr, Visit};
use hcl_edit::Span as _;

/// Gives up on a file after this many repairs: it is not a stray brace or two.
const MAX_REPAIRS: usize = 64;

/// A change made to a file's text before it parsed: where (a byte offset) and what.
#[derive(Debug, PartialEq, Eq)]
pub struct Repair {
    pub offset: usize,
    pub message: String,
}

/// Parses `text`, repairing what can be repaired. The error is the first one that
/// cannot be, located in `text` as written.
pub fn parse(text: &str) -> Result<(Body, Vec<Repair>), hcl_edit::parser::Error> {
    let mut fixed = text.to_string();
    let mut repairs = Vec::new();
    let body = loop {
        match hcl_edit::parser::parse_body(&fixed) {
            Ok(body) => break body,
            Err(e) => {
                let repaired = repairs.len() < MAX_REPAIRS
                    && move_stray_brace(&mut fixed, e.location().offset());
                if !repaired {
                    return Err(e);
                }
                repairs.push(Repair {
                    offset: e.location().offset(),
                    message: "a block's closing brace on the line of an argument: read as if it were on a line of its own".into(),
                });
            }
        }
    };
    let capitalised = capitalised_bools(&body);
    if capitalised.is_empty() {
        return Ok((body, repairs));
    }
    for &(offset, len) in &capitalised {
        fixed[offset..offset + len].make_ascii_lowercase();
        repairs.push(Repair {
            offset,
            message: format!(
                "{} read as the boolean {} (Terraform spells it in lower case)",
                &text[offset..offset + len],
                &fixed[offset..offset + len]
            ),
        });
    }
    let body = hcl_edit::parser::parse_body(&fixed)?;
    repairs.sort_by_key(|r| r.offset);
    Ok((body, repairs))
}

/// `foo = "x" }` or `tags = { a = "b" }}`: HCL wants a block's closing brace on a
/// line of its own. Moves the brace at `offset` to the start of a new line, taking
/// the byte for the newline from whitespace earlier on the same line so that no
/// later line moves. False when that is not the error or there is no such byte.
fn move_stray_brace(text: &mut String, offset: usize) -> bool {
    let bytes = text.as_bytes();
    if bytes.get(offset) != Some(&b'}') {
        return false;
    }
    let line_start = text[..offset].rfind('\n').map_or(0, |i| i + 1);
    let line_end = text[offset..].find('\n').map_or(text.len(), |i| offset + i);
    let rest = text[offset + 1..line_end].trim();
    if !(rest.is_empty() || rest.starts_with('#') || rest.starts_with("//")) {
        return false;
    }
    if text[line_start..offset].trim().is_empty() {
        return false;
    }
    let Some(space) = text[line_start..offset].rfind([' ', '\t']) else {
        return false;
    };
    let space = line_start + space;
    text.replace_range(offset..offset + 1, "\n}");
    text.remove(space);
    true
}

/// Where `True` and `False` are written as values: (byte offset, length).
fn capitalised_bools(body: &Body) -> Vec<(usize, usize)> {
    struct Finder(Vec<(usize, usize)>);
    impl Visit for Finder {
        fn visit_expr(&mut self, node: &Expression) {
            if let Expression::Variable(v) = node {
                if matches!(v.as_str(), "True" | "False") {
                    if let Some(span) = node.span() {
                        self.0.push((span.start, span.len()));
                    }
                }
            }
            visit_expr(self, node);
        }
    }
    let mut finder = Finder(Vec::new());
    finder.visit_body(body);
    finder.0
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(text: &str) -> usize {
        text.lines().count()
    }

    #[test]
    fn a_brace_on_an_argument_line_is_moved_and_lines_stay() {
        let text = "resource \"a\" \"b\" {\n  tags = { a = \"b\" }}\nresource \"a\" \"c\" {\n  x = \"y\" }\n";
        let (body, repairs) = parse(text).unwrap();
        assert_eq!(body.blocks().count(), 2);
        let offsets: Vec<usize> = repairs.iter().map(|r| r.offset).collect();
        assert_eq!(
            offsets,
            [text.find("}}").unwrap() + 1, text.rfind('}').unwrap()]
        );
        let second = body.blocks().nth(1).unwrap();
        let start = second.span().unwrap().start;
        assert_eq!(
            lines(&text[..start]),
            2,
            "the second block starts on line 3"
        );
    }

    #[test]
    fn capitalised_booleans_are_read_with_a_note() {
        let text = "resource \"a\" \"b\" {\n  x = True\n  y = [False]\n  z = \"True\"\n}\n";
        let (body, repairs) = parse(text).unwrap();
        let block = body.blocks().next().unwrap();
        assert_eq!(
            block.body.get_attribute("x").unwrap().value.as_bool(),
            Some(true)
        );
        assert_eq!(
            block.body.get_attribute("z").unwrap().value.as_str(),
            Some("True")
        );
        let messages: Vec<&str> = repairs.iter().map(|r| r.message.as_str()).collect();
        assert_eq!(
            messages,
            [
                "True read as the boolean true (Terraform spells it in lower case)",
                "False read as the boolean false (Terraform spells it in lower case)"
            ]
        );
    }

    #[test]
    fn other_syntax_errors_are_not_guessed_at() {
        let text = "resource \"a\" \"b\" {\n  x = \n}\n";
        assert!(parse(text).is_err());
        assert!(parse("resource \"a\" \"b\" {\n  x = 1 } y\n}\n").is_err());
    }
}
