use super::*;
use crate::config::cidr::{format_addr, host_mask, Network};
use crate::object;
use proptest::prelude::*;
use std::net::{Ipv4Addr, Ipv6Addr};

fn run(name: &str, args: Vec<Value>) -> Result<Value, String> {
    call(
        name,
        args,
        &FnContext {
            base_dir: Path::new("."),
        },
    )
}

#[track_caller]
fn ok(name: &str, args: Vec<Value>) -> Value {
    match run(name, args) {
        Ok(v) => v,
        Err(e) => panic!("{name} failed: {e}"),
    }
}

#[track_caller]
fn err(name: &str, args: Vec<Value>) -> String {
    match run(name, args) {
        Ok(v) => panic!("{name} should fail, got {v}"),
        Err(e) => {
            assert!(
                e.starts_with(&format!("{name}: ")),
                "error does not name the function: {e}"
            );
            e
        }
    }
}

#[track_caller]
fn err_has(name: &str, args: Vec<Value>, needle: &str) {
    let e = err(name, args);
    assert!(e.contains(needle), "{e:?} does not contain {needle:?}");
}

fn s(x: &str) -> Value {
    Value::str(x)
}

fn n(x: f64) -> Value {
    Value::Number(x)
}

fn strs(items: &[&str]) -> Value {
    Value::List(items.iter().map(|x| s(x)).collect())
}

fn nums(items: &[f64]) -> Value {
    Value::List(items.iter().map(|x| n(*x)).collect())
}

const U: Value = Value::Unknown;

// -- registry ------------------------------------------------------------

#[test]
fn registry_knows_names_and_rejects_unknown_functions() {
    assert!(is_known_function("cidrsubnet"));
    assert!(!is_known_function("try"));
    assert!(!is_known_function("templatefile"));
    assert!(names().any(|f| f == "jsonencode"));
    let mut all: Vec<_> = names().collect();
    let count = all.len();
    all.sort();
    all.dedup();
    assert_eq!(all.len(), count, "duplicate function names");
    assert_eq!(
        run("nope", vec![]).unwrap_err(),
        "there is no function named \"nope\""
    );
}

#[test]
fn arity_and_type_errors_name_the_function_and_parameter() {
    let e = err("upper", vec![]);
    assert_eq!(
        e,
        "upper: expects exactly 1 argument, as in upper(str), but got 0"
    );
    err_has(
        "lookup",
        vec![Value::Object(Object::new())],
        "expects 2 to 3 arguments, as in lookup(inputMap, key, [default])",
    );
    err_has(
        "join",
        vec![],
        "at least 1 argument, as in join(separator, lists...)",
    );
    assert_eq!(
        err("join", vec![strs(&["a"]), strs(&["b"])]),
        "join: argument 1 (separator) must be a string, got list"
    );
    err_has(
        "cidrsubnet",
        vec![s("10.0.0.0/8"), s("x"), n(1.0)],
        "argument 2 (newbits) must be a number, got string \"x\"",
    );
    err_has(
        "upper",
        vec![Value::Null],
        "argument 1 (str) must not be null",
    );
    assert_eq!(super::rfc3339(0), "1970-01-01T00:00:00Z");
    assert_eq!(super::rfc3339(951_782_400), "2000-02-29T00:00:00Z");
    assert_eq!(super::rfc3339(1_796_479_329), "2026-12-05T14:02:09Z");
    let now = ok("timestamp", vec![]);
    assert!(
        now.as_str()
            .is_some_and(|t| t.len() == 20 && t.ends_with('Z')),
        "{now}"
    );
    // Automatic conversions, as in Terraform.
    assert_eq!(ok("upper", vec![n(5.0)]), s("5"));
    assert_eq!(ok("abs", vec![s("-3")]), n(3.0));
}

#[test]
fn unknown_arguments_make_strict_functions_unknown() {
    assert_eq!(ok("upper", vec![U]), U);
    assert_eq!(ok("join", vec![s(","), Value::List(vec![s("a"), U])]), U);
    assert_eq!(ok("jsonencode", vec![Value::Object(object! {"a" => U})]), U);
    assert_eq!(ok("cidrsubnet", vec![s("10.0.0.0/16"), n(8.0), U]), U);
    assert_eq!(ok("format", vec![s("%s-%s"), s("a"), U]), U);
    assert_eq!(ok("file", vec![U]), U);
    // Type errors in known arguments still surface.
    err_has(
        "cidrsubnet",
        vec![Value::List(vec![]), U, U],
        "must be a string",
    );
}

// -- numbers -------------------------------------------------------------

#[test]
fn number_functions() {
    assert_eq!(ok("abs", vec![n(-2.5)]), n(2.5));
    assert_eq!(ok("ceil", vec![n(1.2)]), n(2.0));
    assert_eq!(ok("floor", vec![n(-1.2)]), n(-2.0));
    assert_eq!(ok("signum", vec![n(-7.0)]), n(-1.0));
    assert_eq!(ok("signum", vec![n(0.0)]), n(0.0));
    assert_eq!(ok("signum", vec![n(3.0)]), n(1.0));
    assert_eq!(ok("pow", vec![n(2.0), n(10.0)]), n(1024.0));
    err_has("pow", vec![n(-8.0), n(0.5)], "not a real number");
    assert_eq!(ok("min", vec![n(3.0), n(-1.0), s("2")]), n(-1.0));
    assert_eq!(ok("max", vec![n(3.0), n(-1.0), n(2.0)]), n(3.0));
    err_has("min", vec![], "must pass at least one number");
    err_has("max", vec![s("x")], "must be a number");
    assert_eq!(ok("max", vec![n(1.0), U]), U);
    assert_eq!(ok("sum", vec![nums(&[1.0, 2.0, 3.5])]), n(6.5));
    assert_eq!(ok("sum", vec![Value::List(vec![n(1.0), s("2")])]), n(3.0));
    err_has("sum", vec![nums(&[])], "cannot sum an empty list");
    err_has(
        "sum",
        vec![Value::List(vec![n(1.0), Value::Null])],
        "element 1 must be a number",
    );
    assert_eq!(ok("sum", vec![Value::List(vec![n(1.0), U])]), U);
}

#[test]
fn parseint_bases_and_errors() {
    assert_eq!(ok("parseint", vec![s("100"), n(10.0)]), n(100.0));
    assert_eq!(ok("parseint", vec![s("FF"), n(16.0)]), n(255.0));
    assert_eq!(ok("parseint", vec![s("-ff"), n(16.0)]), n(-255.0));
    assert_eq!(ok("parseint", vec![s("1011"), n(2.0)]), n(11.0));
    assert_eq!(ok("parseint", vec![s("zz"), n(36.0)]), n(1295.0));
    assert_eq!(ok("parseint", vec![s("Z"), n(62.0)]), n(61.0));
    err_has(
        "parseint",
        vec![s("12"), n(2.0)],
        "cannot parse \"12\" as a base 2 integer",
    );
    err_has("parseint", vec![s(""), n(10.0)], "cannot parse");
    err_has("parseint", vec![s("0x10"), n(16.0)], "cannot parse");
    err_has(
        "parseint",
        vec![s("1"), n(1.0)],
        "base must be a whole number between 2 and 62",
    );
    err_has("parseint", vec![s("1"), n(63.0)], "between 2 and 62");
    err_has(
        "parseint",
        vec![n(12.0), n(10.0)],
        "first argument must be a string",
    );
    assert_eq!(ok("parseint", vec![U, n(10.0)]), U);
}

#[test]
fn range_like_terraform() {
    assert_eq!(ok("range", vec![n(3.0)]), nums(&[0.0, 1.0, 2.0]));
    assert_eq!(ok("range", vec![n(-3.0)]), nums(&[0.0, -1.0, -2.0]));
    assert_eq!(ok("range", vec![n(1.0), n(4.0)]), nums(&[1.0, 2.0, 3.0]));
    assert_eq!(ok("range", vec![n(3.0), n(1.0)]), nums(&[3.0, 2.0]));
    assert_eq!(
        ok("range", vec![n(0.0), n(10.0), n(4.0)]),
        nums(&[0.0, 4.0, 8.0])
    );
    assert_eq!(
        ok("range", vec![n(0.0), n(0.5), n(0.1)]),
        nums(&[0.0, 0.1, 0.2, 0.3, 0.4])
    );
    assert_eq!(ok("range", vec![n(5.0), n(5.0)]), nums(&[]));
    err_has("range", vec![], "expects one, two or three arguments");
    err_has(
        "range",
        vec![n(1.0), n(2.0), n(3.0), n(4.0)],
        "expects one, two or three",
    );
    err_has(
        "range",
        vec![n(0.0), n(3.0), n(0.0)],
        "step must not be zero",
    );
    err_has(
        "range",
        vec![n(0.0), n(3.0), n(-1.0)],
        "limit must be less than start when step is negative",
    );
    err_has(
        "range",
        vec![n(3.0), n(0.0), n(1.0)],
        "limit must be greater than start",
    );
    assert_eq!(ok("range", vec![n(1024.0)]).as_list().unwrap().len(), 1024);
    err_has(
        "range",
        vec![n(1025.0)],
        "more than 1024 values were generated",
    );
}

// -- strings -------------------------------------------------------------

#[test]
fn join_and_split() {
    assert_eq!(
        ok("join", vec![s(", "), strs(&["a", "b"]), strs(&["c"])]),
        s("a, b, c")
    );
    assert_eq!(
        ok(
            "join",
            vec![s("-"), Value::List(vec![n(1.0), Value::Bool(true)])]
        ),
        s("1-true")
    );
    assert_eq!(ok("join", vec![s(","), strs(&[])]), s(""));
    err_has("join", vec![s(",")], "at least one list is required");
    err_has(
        "join",
        vec![s(","), Value::List(vec![s("a"), Value::Null])],
        "element 1 of argument 2 is null",
    );
    err_has(
        "join",
        vec![s(","), Value::List(vec![strs(&["a"])])],
        "element 0 of argument 2 must be a string, got list",
    );
    assert_eq!(
        ok("split", vec![s(","), s("a,b,,c")]),
        strs(&["a", "b", "", "c"])
    );
    assert_eq!(ok("split", vec![s(","), s("")]), strs(&[""]));
    assert_eq!(ok("split", vec![s(""), s("ab")]), strs(&["a", "b"]));
    assert_eq!(ok("split", vec![s(","), U]), U);
}

#[test]
fn case_and_trimming() {
    assert_eq!(ok("upper", vec![s("héllo")]), s("HÉLLO"));
    assert_eq!(ok("lower", vec![s("HeLLo")]), s("hello"));
    assert_eq!(
        ok("title", vec![s("hello world-wide web_site")]),
        s("Hello World-Wide Web_site")
    );
    assert_eq!(ok("trimspace", vec![s("  \t hi \n")]), s("hi"));
    assert_eq!(ok("trim", vec![s("?!hello?!"), s("!?")]), s("hello"));
    assert_eq!(
        ok("trimprefix", vec![s("helloworld"), s("hello")]),
        s("world")
    );
    assert_eq!(
        ok("trimprefix", vec![s("helloworld"), s("x")]),
        s("helloworld")
    );
    assert_eq!(
        ok("trimsuffix", vec![s("helloworld"), s("world")]),
        s("hello")
    );
    assert_eq!(ok("chomp", vec![s("hello\r\n\n")]), s("hello"));
    assert_eq!(ok("chomp", vec![s("hello\nworld")]), s("hello\nworld"));
    assert_eq!(ok("strrev", vec![s("héllo")]), s("olléh"));
    assert_eq!(
        ok("startswith", vec![s("hello"), s("he")]),
        Value::Bool(true)
    );
    assert_eq!(
        ok("startswith", vec![s("hello"), s("lo")]),
        Value::Bool(false)
    );
    assert_eq!(ok("endswith", vec![s("hello"), s("lo")]), Value::Bool(true));
    assert_eq!(ok("indent", vec![n(2.0), s("a\nb\nc")]), s("a\n  b\n  c"));
    err_has(
        "indent",
        vec![n(99_999_999_999.0), s("a\nb")],
        "longer than the 67108864 characters",
    );
    err_has(
        "indent",
        vec![n(-1.0), s("a")],
        "spaces must not be negative",
    );
    err_has(
        "indent",
        vec![n(1.5), s("a")],
        "spaces must be a whole number",
    );
}

#[test]
fn replace_plain_and_regex_refused() {
    assert_eq!(
        ok("replace", vec![s("1 + 2 + 3"), s("+"), s("-")]),
        s("1 - 2 - 3")
    );
    assert_eq!(ok("replace", vec![s("abc"), s("/"), s("x")]), s("abc"));
    err_has(
        "replace",
        vec![s("abc"), s("/a.c/"), s("x")],
        "/a.c/ is a regular expression",
    );
}

#[test]
fn substr_offsets_and_lengths() {
    let sub = |o: f64, l: f64| ok("substr", vec![s("hello world"), n(o), n(l)]);
    assert_eq!(sub(1.0, 4.0), s("ello"));
    assert_eq!(sub(-5.0, -1.0), s("world"));
    assert_eq!(sub(6.0, 100.0), s("world"));
    assert_eq!(sub(100.0, 1.0), s(""));
    assert_eq!(sub(0.0, 0.0), s(""));
    assert_eq!(sub(-100.0, 5.0), s("hello"));
    assert_eq!(ok("substr", vec![s("🤔🤷x"), n(0.0), n(1.0)]), s("🤔"));
    err_has(
        "substr",
        vec![s("x"), n(0.5), n(1.0)],
        "offset must be a whole number",
    );
}

#[test]
fn format_verbs() {
    let f = |fmt: &str, args: Vec<Value>| {
        let mut all = vec![s(fmt)];
        all.extend(args);
        ok("format", all)
    };
    assert_eq!(f("Hello, %s!", vec![s("Ander")]), s("Hello, Ander!"));
    assert_eq!(
        f("There are %d lights", vec![n(4.0)]),
        s("There are 4 lights")
    );
    assert_eq!(f("%d", vec![s("42")]), s("42"));
    assert_eq!(
        f(
            "%5d|%-5d|%05d|%+d",
            vec![n(42.0), n(42.0), n(-42.0), n(7.0)]
        ),
        s("   42|42   |-0042|+7")
    );
    assert_eq!(
        f(
            "%x %X %o %b %#x",
            vec![n(255.0), n(255.0), n(8.0), n(5.0), n(255.0)]
        ),
        s("ff FF 10 101 0xff")
    );
    assert_eq!(f("%.3d", vec![n(7.0)]), s("007"));
    assert_eq!(f("%f", vec![n(1.23456)]), s("1.234560"));
    assert_eq!(f("%.2f", vec![n(1.23456)]), s("1.23"));
    assert_eq!(
        f("%8.2f|%-8.2f|%08.2f", vec![n(-1.23456), n(3.0), n(-3.5)]),
        s("   -1.23|3.00    |-0003.50")
    );
    assert_eq!(f("%e", vec![n(1234.5678)]), s("1.234568e+03"));
    assert_eq!(f("%.2E", vec![n(0.000123)]), s("1.23E-04"));
    assert_eq!(
        f("%g %g %g", vec![n(2.5), n(1e21), n(0.00001)]),
        s("2.5 1e+21 1e-05")
    );
    assert_eq!(f("%.3g", vec![n(1234.0)]), s("1.23e+03"));
    assert_eq!(f("%.3g", vec![n(0.5)]), s("0.5"));
    assert_eq!(
        f("%s %s %s", vec![n(1.5), Value::Bool(true), n(10.0)]),
        s("1.5 true 10")
    );
    assert_eq!(
        f("%5s|%-5s|%.2s", vec![s("ab"), s("ab"), s("abcdef")]),
        s("   ab|ab   |ab")
    );
    assert_eq!(f("%q", vec![s("a\"b<")]), s("\"a\\\"b\\u003c\""));
    assert_eq!(
        f("%t %t", vec![Value::Bool(false), s("true")]),
        s("false true")
    );
    assert_eq!(f("100%%", vec![]), s("100%"));
    assert_eq!(
        f(
            "%v %v %v %v",
            vec![s("x"), n(5.0), Value::Bool(true), Value::Null]
        ),
        s("x 5 true null")
    );
    // Terraform prints numbers for %v with %g: big ones in exponent form.
    assert_eq!(f("%v", vec![n(1_000_000.0)]), s("1e+06"));
    assert_eq!(f("%v", vec![n(-0.25)]), s("-0.25"));
    assert_eq!(
        f(
            "%v",
            vec![Value::Object(object! {"b" => 1, "a" => vec!["x"]})]
        ),
        s("{\"a\":[\"x\"],\"b\":1}")
    );
    assert_eq!(f("%#v", vec![s("x")]), s("\"x\""));
    assert_eq!(f("%[2]s %[1]s %s", vec![s("a"), s("b")]), s("b a b"));
    assert_eq!(f("%6v|", vec![n(12.0)]), s("    12|"));
}

#[test]
fn format_errors() {
    let e = |fmt: &str, args: Vec<Value>| {
        let mut all = vec![s(fmt)];
        all.extend(args);
        err("format", all)
    };
    assert!(e("%s %s", vec![s("a")])
        .contains("not enough arguments for \"%s\" at 3: need index 2 but have 1 total"));
    assert!(e("%s", vec![s("a"), s("b")])
        .contains("too many arguments; only 1 argument used by format string"));
    assert!(
        e("%d", vec![n(1.5)]).contains("unsupported value for \"%d\" at 0: an integer is required")
    );
    assert!(e("%d", vec![s("abc")]).contains("a number is required"));
    assert!(e("%.99999999999d", vec![n(1.0)]).contains("more than the 100000 characters"));
    assert!(e("%99999999999999999999999s", vec![s("a")]).contains("more than the 100000"));
    assert!(e("%s", vec![strs(&["a"])]).contains("a string is required"));
    assert!(e("%s", vec![Value::Null]).contains("null value cannot be formatted"));
    assert!(e("%t", vec![n(1.0)]).contains("a bool is required"));
    assert!(e("%y", vec![n(1.0)]).contains("unsupported format verb 'y' in \"%y\" at offset 0"));
    assert!(e("abc %", vec![]).contains("invalid format string starting at offset 4"));
    assert!(e("%5!", vec![n(1.0)]).contains("unrecognized format character '!' at offset 2"));
    assert!(e("%[0]s", vec![n(1.0)]).contains("unrecognized format character"));
}

#[test]
fn formatlist_iterates_lists_and_repeats_scalars() {
    assert_eq!(
        ok(
            "formatlist",
            vec![s("Hello, %s!"), strs(&["Valentina", "Ander"])]
        ),
        strs(&["Hello, Valentina!", "Hello, Ander!"])
    );
    assert_eq!(
        ok("formatlist", vec![s("%s=%s"), s("k"), strs(&["a", "b"])]),
        strs(&["k=a", "k=b"])
    );
    assert_eq!(ok("formatlist", vec![s("%s"), s("only")]), strs(&["only"]));
    assert_eq!(ok("formatlist", vec![s("x")]), strs(&["x"]));
    assert_eq!(ok("formatlist", vec![s("%s"), strs(&[])]), strs(&[]));
    err_has(
        "formatlist",
        vec![s("%s%s"), strs(&["a"]), strs(&["b", "c"])],
        "argument 3 has length 2, which is inconsistent with argument 2 of length 1",
    );
    err_has(
        "formatlist",
        vec![s("%d"), strs(&["x"])],
        "error on format iteration 0",
    );
    // One unknown element leaves the others known.
    assert_eq!(
        ok("formatlist", vec![s("id-%s"), Value::List(vec![s("a"), U])]),
        Value::List(vec![s("id-a"), U])
    );
    assert_eq!(ok("formatlist", vec![s("%s"), U]), U);
}

// -- collections ---------------------------------------------------------

#[test]
fn length_knows_lengths_of_lists_with_unknown_elements() {
    assert_eq!(ok("length", vec![s("héllo")]), n(5.0));
    assert_eq!(ok("length", vec![strs(&["a", "b"])]), n(2.0));
    assert_eq!(
        ok("length", vec![Value::Object(object! {"a" => 1, "b" => U})]),
        n(2.0)
    );
    assert_eq!(ok("length", vec![Value::List(vec![U, U, U])]), n(3.0));
    assert_eq!(ok("length", vec![U]), U);
    err_has(
        "length",
        vec![n(5.0)],
        "argument must be a string, a list or a map, got number 5",
    );
    err_has("length", vec![Value::Null], "must not be null");
}

#[test]
fn element_wraps_around() {
    let list = strs(&["a", "b", "c"]);
    assert_eq!(ok("element", vec![list.clone(), n(1.0)]), s("b"));
    assert_eq!(ok("element", vec![list.clone(), n(5.0)]), s("c"));
    err_has("element", vec![list.clone(), n(-1.0)], "negative index");
    err_has(
        "element",
        vec![strs(&[]), n(0.0)],
        "cannot use element function with an empty list",
    );
    err_has(
        "element",
        vec![list.clone(), n(0.5)],
        "index must be a whole number",
    );
    err_has("element", vec![U, n(-1.0)], "negative index");
    assert_eq!(ok("element", vec![list, U]), U);
    assert_eq!(
        ok("element", vec![Value::List(vec![s("a"), U]), n(0.0)]),
        s("a")
    );
}

#[test]
fn index_and_contains() {
    let list = strs(&["a", "b", "c"]);
    assert_eq!(ok("index", vec![list.clone(), s("b")]), n(1.0));
    err_has("index", vec![list.clone(), s("z")], "item \"z\" not found");
    err_has(
        "index",
        vec![strs(&[]), s("z")],
        "cannot search an empty list",
    );
    assert_eq!(
        ok("index", vec![Value::List(vec![s("a"), U]), s("a")]),
        n(0.0)
    );
    assert_eq!(ok("index", vec![Value::List(vec![U, s("a")]), s("a")]), U);
    assert_eq!(
        ok("contains", vec![list.clone(), s("c")]),
        Value::Bool(true)
    );
    assert_eq!(
        ok("contains", vec![list.clone(), s("z")]),
        Value::Bool(false)
    );
    assert_eq!(
        ok("contains", vec![nums(&[1.0]), s("1")]),
        Value::Bool(false)
    );
    assert_eq!(ok("contains", vec![strs(&[]), U]), Value::Bool(false));
    assert_eq!(
        ok("contains", vec![Value::List(vec![U, s("c")]), s("c")]),
        Value::Bool(true)
    );
    assert_eq!(
        ok("contains", vec![Value::List(vec![U, s("c")]), s("z")]),
        U
    );
    assert_eq!(ok("contains", vec![list, U]), U);
    assert_eq!(
        ok(
            "contains",
            vec![Value::List(vec![strs(&["a"])]), strs(&["a"])]
        ),
        Value::Bool(true)
    );
    err_has(
        "contains",
        vec![s("abc"), s("a")],
        "argument 1 (list) must be a list",
    );
}

#[test]
fn lookup_with_and_without_default() {
    let map = Value::Object(object! {"a" => "ay", "b" => U});
    assert_eq!(ok("lookup", vec![map.clone(), s("a")]), s("ay"));
    assert_eq!(ok("lookup", vec![map.clone(), s("b")]), U);
    assert_eq!(
        ok("lookup", vec![map.clone(), s("c"), s("what?")]),
        s("what?")
    );
    assert_eq!(
        ok("lookup", vec![map.clone(), s("c"), Value::Null]),
        Value::Null
    );
    err_has(
        "lookup",
        vec![map.clone(), s("c")],
        "the map has no key \"c\"",
    );
    assert_eq!(ok("lookup", vec![U, s("a")]), U);
    assert_eq!(ok("lookup", vec![map, U, s("d")]), U);
    err_has(
        "lookup",
        vec![strs(&["a"]), s("a")],
        "must be a map or object, got list",
    );
}

#[test]
fn merge_concat_keys_values() {
    let a = Value::Object(object! {"a" => 1, "b" => 2});
    let b = Value::Object(object! {"b" => 3, "c" => U});
    assert_eq!(
        ok("merge", vec![a.clone(), Value::Null, b.clone()]),
        Value::Object(object! {"a" => 1, "b" => 3, "c" => U})
    );
    assert_eq!(ok("merge", vec![]), Value::Object(Object::new()));
    assert_eq!(ok("merge", vec![Value::Null, Value::Null]), Value::Null);
    assert_eq!(ok("merge", vec![a.clone(), U]), U);
    err_has(
        "merge",
        vec![a.clone(), strs(&["x"])],
        "argument 2 (maps) must be a map or object",
    );

    assert_eq!(
        ok(
            "concat",
            vec![strs(&["a"]), Value::List(vec![U]), nums(&[1.0])]
        ),
        Value::List(vec![s("a"), U, n(1.0)])
    );
    assert_eq!(ok("concat", vec![strs(&["a"]), U]), U);
    err_has("concat", vec![], "at least one argument is required");
    err_has("concat", vec![s("a")], "must be a list");

    assert_eq!(ok("keys", vec![b.clone()]), strs(&["b", "c"]));
    assert_eq!(ok("values", vec![a]), nums(&[1.0, 2.0]));
    assert_eq!(ok("values", vec![b]), Value::List(vec![n(3.0), U]));
    assert_eq!(ok("keys", vec![U]), U);
    err_has("keys", vec![strs(&[])], "must be a map or object");
}

#[test]
fn coalesce_and_coalescelist() {
    assert_eq!(ok("coalesce", vec![Value::Null, s(""), s("b")]), s("b"));
    assert_eq!(ok("coalesce", vec![n(1.0), n(2.0)]), n(1.0));
    assert_eq!(ok("coalesce", vec![Value::Null, n(1.0), s("x")]), s("1"));
    assert_eq!(ok("coalesce", vec![s("a"), U]), s("a"));
    assert_eq!(ok("coalesce", vec![Value::Null, U, s("a")]), U);
    err_has(
        "coalesce",
        vec![Value::Null, s("")],
        "no non-null, non-empty-string arguments",
    );
    err_has(
        "coalesce",
        vec![s("a"), strs(&["b"])],
        "all arguments must have the same type",
    );
    assert_eq!(
        ok("coalescelist", vec![strs(&[]), strs(&["b"])]),
        strs(&["b"])
    );
    assert_eq!(
        ok("coalescelist", vec![Value::Null, strs(&["a"]), U]),
        strs(&["a"])
    );
    assert_eq!(ok("coalescelist", vec![strs(&[]), U, strs(&["a"])]), U);
    err_has("coalescelist", vec![strs(&[])], "no non-null arguments");
    err_has(
        "coalescelist",
        vec![s("a")],
        "arguments must be lists, but argument 1 is string",
    );
}

#[test]
fn distinct_flatten_reverse_one() {
    assert_eq!(
        ok("distinct", vec![strs(&["a", "b", "a", "c", "b"])]),
        strs(&["a", "b", "c"])
    );
    assert_eq!(
        ok("distinct", vec![Value::List(vec![s("1"), n(1.0)])]),
        strs(&["1"])
    );
    assert_eq!(ok("distinct", vec![Value::List(vec![s("a"), U])]), U);
    assert_eq!(
        ok(
            "flatten",
            vec![Value::List(vec![
                strs(&["a", "b"]),
                Value::List(vec![]),
                Value::List(vec![strs(&["c"])]),
                s("d")
            ])]
        ),
        strs(&["a", "b", "c", "d"])
    );
    assert_eq!(
        ok(
            "flatten",
            vec![Value::List(vec![Value::Object(object! {"id" => U})])]
        ),
        Value::List(vec![Value::Object(object! {"id" => U})])
    );
    assert_eq!(ok("flatten", vec![Value::List(vec![strs(&["a"]), U])]), U);
    err_has("flatten", vec![s("a")], "must be a list");
    assert_eq!(
        ok("reverse", vec![Value::List(vec![n(1.0), U, n(3.0)])]),
        Value::List(vec![n(3.0), U, n(1.0)])
    );
    assert_eq!(ok("reverse", vec![U]), U);
    assert_eq!(ok("one", vec![strs(&[])]), Value::Null);
    assert_eq!(ok("one", vec![Value::List(vec![U])]), U);
    assert_eq!(ok("one", vec![strs(&["a"])]), s("a"));
    err_has(
        "one",
        vec![strs(&["a", "b"])],
        "either zero or one elements, got 2 elements",
    );
}

#[test]
fn zipmap_and_slice() {
    assert_eq!(
        ok(
            "zipmap",
            vec![strs(&["a", "b"]), Value::List(vec![n(1.0), U])]
        ),
        Value::Object(object! {"a" => 1, "b" => U})
    );
    err_has(
        "zipmap",
        vec![strs(&["a"]), nums(&[1.0, 2.0])],
        "number of keys (1) does not match number of values (2)",
    );
    err_has(
        "zipmap",
        vec![Value::List(vec![Value::Null]), nums(&[1.0])],
        "keys list has null value at index 0",
    );
    assert_eq!(ok("zipmap", vec![Value::List(vec![U]), nums(&[1.0])]), U);
    let list = strs(&["a", "b", "c", "d"]);
    assert_eq!(
        ok("slice", vec![list.clone(), n(1.0), n(3.0)]),
        strs(&["b", "c"])
    );
    assert_eq!(ok("slice", vec![list.clone(), n(4.0), n(4.0)]), strs(&[]));
    err_has(
        "slice",
        vec![list.clone(), n(-1.0), n(2.0)],
        "start index must not be less than zero",
    );
    err_has(
        "slice",
        vec![list.clone(), n(0.0), n(5.0)],
        "end index must not be greater than the length of the list",
    );
    err_has(
        "slice",
        vec![list.clone(), n(3.0), n(1.0)],
        "start index must not be greater than end index",
    );
    err_has(
        "slice",
        vec![U, n(3.0), n(1.0)],
        "start index must not be greater than end index",
    );
    assert_eq!(ok("slice", vec![list, U, n(1.0)]), U);
    assert_eq!(
        ok("slice", vec![Value::List(vec![U, s("b")]), n(1.0), n(2.0)]),
        strs(&["b"])
    );
}

#[test]
fn sort_compact_and_sets() {
    assert_eq!(
        ok("sort", vec![strs(&["e", "d", "a", "x"])]),
        strs(&["a", "d", "e", "x"])
    );
    assert_eq!(ok("sort", vec![nums(&[10.0, 9.0])]), strs(&["10", "9"]));
    err_has(
        "sort",
        vec![Value::List(vec![s("a"), Value::Null])],
        "given list element 1 is null",
    );
    assert_eq!(ok("sort", vec![Value::List(vec![s("a"), U])]), U);
    assert_eq!(
        ok(
            "compact",
            vec![Value::List(vec![s("a"), s(""), Value::Null, s("b")])]
        ),
        strs(&["a", "b"])
    );
    assert_eq!(ok("compact", vec![Value::List(vec![s("a"), U])]), U);
    err_has(
        "compact",
        vec![Value::List(vec![strs(&[])])],
        "compact needs a list of strings",
    );

    assert_eq!(
        ok("setunion", vec![strs(&["b", "a"]), strs(&["c", "a"])]),
        strs(&["a", "b", "c"])
    );
    assert_eq!(
        ok("setunion", vec![nums(&[10.0, 2.0]), nums(&[1.0])]),
        nums(&[1.0, 2.0, 10.0])
    );
    assert_eq!(
        ok(
            "setintersection",
            vec![strs(&["a", "b"]), strs(&["b", "c"]), strs(&["b", "d"])]
        ),
        strs(&["b"])
    );
    assert_eq!(
        ok("setintersection", vec![strs(&["1"]), nums(&[1.0])]),
        strs(&["1"])
    );
    assert_eq!(
        ok(
            "setsubtract",
            vec![strs(&["a", "b", "c"]), strs(&["a", "c"])]
        ),
        strs(&["b"])
    );
    err_has(
        "setunion",
        vec![nums(&[1.0]), Value::List(vec![Value::Bool(true)])],
        "all set elements must have the same type",
    );
    assert_eq!(ok("setunion", vec![strs(&["a"]), Value::List(vec![U])]), U);
}

// -- conversions ---------------------------------------------------------

#[test]
fn primitive_conversions() {
    assert_eq!(ok("tostring", vec![n(1.5)]), s("1.5"));
    assert_eq!(ok("tostring", vec![n(3.0)]), s("3"));
    assert_eq!(ok("tostring", vec![Value::Bool(true)]), s("true"));
    assert_eq!(ok("tostring", vec![Value::Null]), Value::Null);
    assert_eq!(ok("tostring", vec![U]), U);
    err_has(
        "tostring",
        vec![strs(&["a"])],
        "cannot convert list to string",
    );
    assert_eq!(ok("tonumber", vec![s("1.5e2")]), n(150.0));
    assert_eq!(ok("tonumber", vec![n(2.0)]), n(2.0));
    assert_eq!(ok("tonumber", vec![Value::Null]), Value::Null);
    err_has(
        "tonumber",
        vec![s("abc")],
        "cannot convert \"abc\" to number",
    );
    err_has("tonumber", vec![s("inf")], "cannot convert");
    err_has("tonumber", vec![s(" 1")], "cannot convert");
    err_has(
        "tonumber",
        vec![Value::Bool(true)],
        "cannot convert bool to number",
    );
    assert_eq!(ok("tobool", vec![s("true")]), Value::Bool(true));
    assert_eq!(ok("tobool", vec![Value::Bool(false)]), Value::Bool(false));
    assert_eq!(ok("tobool", vec![U]), U);
    err_has(
        "tobool",
        vec![s("yes")],
        "only the strings \"true\" or \"false\" are allowed",
    );
    err_has("tobool", vec![n(1.0)], "cannot convert number to bool");
}

#[test]
fn collection_conversions() {
    assert_eq!(
        ok(
            "tolist",
            vec![Value::List(vec![s("a"), n(1.0), Value::Bool(true)])]
        ),
        strs(&["a", "1", "true"])
    );
    assert_eq!(
        ok("tolist", vec![Value::List(vec![s("a"), U])]),
        Value::List(vec![s("a"), U])
    );
    assert_eq!(ok("tolist", vec![Value::Null]), Value::Null);
    err_has(
        "tolist",
        vec![Value::List(vec![n(1.0), Value::Bool(true)])],
        "all list elements must have the same type, got number and bool",
    );
    err_has(
        "tolist",
        vec![Value::Object(Object::new())],
        "cannot convert object to list",
    );
    assert_eq!(
        ok("toset", vec![strs(&["c", "a", "c", "b"])]),
        strs(&["a", "b", "c"])
    );
    assert_eq!(ok("toset", vec![nums(&[3.0, 1.0, 3.0])]), nums(&[1.0, 3.0]));
    assert_eq!(
        ok("toset", vec![Value::List(vec![s("b"), n(1.0)])]),
        strs(&["1", "b"])
    );
    assert_eq!(ok("toset", vec![Value::List(vec![s("a"), U])]), U);
    err_has("toset", vec![s("a")], "cannot convert string to set");
    assert_eq!(
        ok(
            "tomap",
            vec![Value::Object(object! {"a" => 1, "b" => "x", "c" => U})]
        ),
        Value::Object(object! {"a" => "1", "b" => "x", "c" => U})
    );
    err_has("tomap", vec![strs(&[])], "cannot convert list to map");
    err_has(
        "tomap",
        vec![Value::Object(object! {"a" => 1, "b" => vec!["x"]})],
        "all map values must have the same type",
    );
}

// -- encoding ------------------------------------------------------------

#[test]
fn jsonencode_is_compact_sorted_and_escapes_like_terraform() {
    let v = Value::Object(object! {
        "z" => 1, "a" => vec![Value::Number(1.5), Value::Null, Value::Bool(true)],
        "html" => "<b>&amp;</b>", "ctl" => "tab\there\u{1}",
    });
    assert_eq!(
        ok("jsonencode", vec![v]),
        s(
            r#"{"a":[1.5,null,true],"ctl":"tab\there\u0001","html":"\u003cb\u003e\u0026amp;\u003c/b\u003e","z":1}"#
        )
    );
    assert_eq!(ok("jsonencode", vec![n(1e20)]), s("100000000000000000000"));
    assert_eq!(ok("jsonencode", vec![Value::Null]), s("null"));
    assert_eq!(ok("jsonencode", vec![Value::List(vec![U])]), U);
}

#[test]
fn jsondecode_parses_and_reports_errors() {
    assert_eq!(
        ok(
            "jsondecode",
            vec![s(r#"{"b":[1,"x",null],"a":{"c":false}}"#)]
        ),
        Value::Object(object! {
            "a" => Value::Object(object! {"c" => false}),
            "b" => Value::List(vec![n(1.0), s("x"), Value::Null]),
        })
    );
    assert_eq!(ok("jsondecode", vec![s("\"hi\"")]), s("hi"));
    err_has("jsondecode", vec![s("{")], "invalid JSON");
    err_has(
        "jsondecode",
        vec![s("1 2")],
        "unexpected data after the JSON value at line 1 column 3",
    );
    err_has("jsondecode", vec![s("[1,\n 01]")], "at line 2 column 3");
    err_has("jsondecode", vec![s("{\"a\" 1}")], "expected ':'");
    err_has("jsondecode", vec![s("[1e999]")], "number out of range");
    // Deep nesting is an error, not a stack overflow.
    let deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
    err_has(
        "jsondecode",
        vec![s(&deep)],
        "more than 128 nested arrays and objects",
    );
    let ok_deep = format!("{}{}", "[".repeat(128), "]".repeat(128));
    ok("jsondecode", vec![s(&ok_deep)]);
    err_has("jsondecode", vec![s("\"\\x\"")], "invalid escape");
    err_has("jsondecode", vec![s("")], "unexpected end of input");
    assert_eq!(
        ok(
            "jsondecode",
            vec![s(
                r#" ["a\"\\\/\b\f\n\r\t", "\u00e9\ud83d\ude00", -0.5e1, 1E2, true] "#
            )]
        ),
        Value::List(vec![
            s("a\"\\/\u{8}\u{c}\n\r\t"),
            s("é😀"),
            n(-5.0),
            n(100.0),
            Value::Bool(true)
        ])
    );
    // Exact decimal to binary rounding, unlike serde_json's default.
    assert_eq!(
        ok("jsondecode", vec![s("-3689.4841628959275")]),
        n(-3689.4841628959275)
    );
    assert_eq!(ok("jsondecode", vec![U]), U);
}

#[test]
fn base64_and_hashes() {
    assert_eq!(
        ok("base64encode", vec![s("Hello World")]),
        s("SGVsbG8gV29ybGQ=")
    );
    assert_eq!(
        ok("base64decode", vec![s("SGVsbG8gV29ybGQ=")]),
        s("Hello World")
    );
    err_has(
        "base64decode",
        vec![s("not base64!")],
        "failed to decode base64 data",
    );
    err_has("base64decode", vec![s("/w==")], "not valid UTF-8");
    assert_eq!(
        ok("sha256", vec![s("hello world")]),
        s("b94d27b9934d3e08a52e52d7da7dabfac484efe37a5380ee9088f7ace2efcde9")
    );
    assert_eq!(
        ok("base64sha256", vec![s("hello world")]),
        s("uU0nuZNNPgilLlLX2n2r+sSE7+N6U4DukIj3rOLvzek=")
    );
    assert_eq!(ok("sha256", vec![U]), U);
}

// -- files ---------------------------------------------------------------

#[test]
fn file_functions_read_relative_to_the_stack() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("files")).unwrap();
    std::fs::write(dir.path().join("files/hello.txt"), "hello world").unwrap();
    std::fs::write(dir.path().join("bin"), [0xff, 0x00]).unwrap();
    let ctx = FnContext {
        base_dir: dir.path(),
    };
    let f = |name: &str, path: &str| call(name, vec![s(path)], &ctx);
    assert_eq!(f("file", "files/hello.txt").unwrap(), s("hello world"));
    let abs = dir.path().join("files/hello.txt");
    assert_eq!(f("file", abs.to_str().unwrap()).unwrap(), s("hello world"));
    assert_eq!(
        f("fileexists", "files/hello.txt").unwrap(),
        Value::Bool(true)
    );
    assert_eq!(
        f("fileexists", "files/nope.txt").unwrap(),
        Value::Bool(false)
    );
    assert!(f("fileexists", "files")
        .unwrap_err()
        .contains("is a directory"));
    assert_eq!(
        f("filebase64", "files/hello.txt").unwrap(),
        s("aGVsbG8gd29ybGQ=")
    );
    assert_eq!(f("filebase64", "bin").unwrap(), s("/wA="));
    assert_eq!(
        f("filesha256", "files/hello.txt").unwrap(),
        s("b94d27b9934d3e08a52e52d7da7dabfac484efe37a5380ee9088f7ace2efcde9")
    );
    assert_eq!(
        f("filebase64sha256", "files/hello.txt").unwrap(),
        s("uU0nuZNNPgilLlLX2n2r+sSE7+N6U4DukIj3rOLvzek=")
    );
    let missing = f("file", "nope.txt").unwrap_err();
    assert!(missing.starts_with("file: no file exists at "), "{missing}");
    assert!(missing.contains("nope.txt"), "{missing}");
    assert!(f("filesha256", "nope.txt")
        .unwrap_err()
        .contains("no file exists"));
    assert!(f("file", "bin")
        .unwrap_err()
        .contains("not valid UTF-8; use filebase64"));
    assert!(f("file", "files").unwrap_err().contains("is a directory"));
}

// -- networks ------------------------------------------------------------

#[test]
fn cidrsubnet_ipv4_and_ipv6() {
    let sub = |p: &str, bits: f64, num: f64| run("cidrsubnet", vec![s(p), n(bits), n(num)]);
    assert_eq!(sub("172.16.0.0/12", 4.0, 2.0).unwrap(), s("172.18.0.0/16"));
    assert_eq!(sub("10.1.2.0/24", 4.0, 15.0).unwrap(), s("10.1.2.240/28"));
    assert_eq!(sub("10.1.2.3/16", 8.0, 1.0).unwrap(), s("10.1.1.0/24"));
    assert_eq!(sub("10.0.0.0/8", 0.0, 0.0).unwrap(), s("10.0.0.0/8"));
    assert_eq!(sub("0.0.0.0/0", 32.0, 1.0).unwrap(), s("0.0.0.1/32"));
    assert_eq!(
        sub("fd00:fd12:3456:7890::/56", 16.0, 162.0).unwrap(),
        s("fd00:fd12:3456:7800:a200::/72")
    );
    assert_eq!(
        sub("2001:db8::/32", 32.0, 1.0).unwrap(),
        s("2001:db8:0:1::/64")
    );
    assert_eq!(sub("::/0", 128.0, 5.0).unwrap(), s("::5/128"));
    let e = sub("10.0.0.0/30", 4.0, 0.0).unwrap_err();
    assert_eq!(
        e,
        "cidrsubnet: insufficient address space to extend prefix of 30 by 4"
    );
    assert!(sub("10.0.0.0/16", 8.0, 256.0)
        .unwrap_err()
        .contains("prefix extension of 8 does not accommodate a subnet numbered 256"));
    assert!(sub("10.0.0.0/16", 8.0, -1.0)
        .unwrap_err()
        .contains("does not accommodate a subnet numbered -1"));
    assert!(sub("10.0.0.0/16", -1.0, 0.0)
        .unwrap_err()
        .contains("newbits must not be negative"));
    assert!(sub("2001:db8::/120", 9.0, 0.0)
        .unwrap_err()
        .contains("insufficient address space to extend prefix of 120 by 9"));
    for bad in [
        "10.0.0.0",
        "10.0.0/8",
        "10.0.0.256/8",
        "10.0.0.0/33",
        "fe80::/129",
        "x/1",
        "10.0.0.0/-1",
    ] {
        assert!(
            sub(bad, 1.0, 0.0)
                .unwrap_err()
                .contains("invalid CIDR expression"),
            "{bad}"
        );
    }
}

#[test]
fn cidrhost_counts_from_both_ends() {
    let host = |p: &str, num: f64| run("cidrhost", vec![s(p), n(num)]);
    assert_eq!(host("10.12.112.0/20", 16.0).unwrap(), s("10.12.112.16"));
    assert_eq!(host("10.12.112.0/20", 268.0).unwrap(), s("10.12.113.12"));
    assert_eq!(host("10.12.112.0/20", -1.0).unwrap(), s("10.12.127.255"));
    assert_eq!(host("10.0.0.0/24", -256.0).unwrap(), s("10.0.0.0"));
    assert_eq!(
        host("fd00:fd12:3456:7890:00a2::/72", 34.0).unwrap(),
        s("fd00:fd12:3456:7890::22")
    );
    assert_eq!(
        host("::/0", -1.0).unwrap(),
        s("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff")
    );
    assert_eq!(
        host("10.0.0.0/24", 256.0).unwrap_err(),
        "cidrhost: prefix of 24 does not accommodate a host numbered 256"
    );
    assert!(host("10.0.0.0/24", -257.0)
        .unwrap_err()
        .contains("does not accommodate a host numbered -257"));
    assert!(host("10.0.0.0/32", 1.0)
        .unwrap_err()
        .contains("prefix of 32"));
    assert_eq!(host("10.0.0.7/32", 0.0).unwrap(), s("10.0.0.7"));
}

#[test]
fn cidrnetmask_ipv4_only() {
    let mask = |p: &str| run("cidrnetmask", vec![s(p)]);
    assert_eq!(mask("172.16.0.0/12").unwrap(), s("255.240.0.0"));
    assert_eq!(mask("10.0.0.0/0").unwrap(), s("0.0.0.0"));
    assert_eq!(mask("10.0.0.1/32").unwrap(), s("255.255.255.255"));
    assert_eq!(
        mask("2001:db8::/32").unwrap_err(),
        "cidrnetmask: IPv6 addresses cannot have a netmask: 2001:db8::/32"
    );
    assert!(mask("10.0.0.0")
        .unwrap_err()
        .contains("invalid CIDR expression"));
}

// -- properties ----------------------------------------------------------

fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        (-1_000_000_000_000i64..1_000_000_000_000).prop_map(|i| Value::Number(i as f64)),
        (-1_000_000i32..1_000_000, 1u32..1000)
            .prop_map(|(a, b)| Value::Number(a as f64 / b as f64)),
        ".*".prop_map(Value::String),
    ];
    leaf.prop_recursive(3, 24, 5, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..5).prop_map(Value::List),
            prop::collection::btree_map(".*", inner, 0..5).prop_map(Value::Object),
        ]
    })
}

proptest! {
    #[test]
    fn base64_round_trips(text in ".*") {
        let encoded = ok("base64encode", vec![s(&text)]);
        prop_assert_eq!(ok("base64decode", vec![encoded]), s(&text));
    }

    #[test]
    fn json_round_trips(v in json_value()) {
        let encoded = ok("jsonencode", vec![v.clone()]);
        prop_assert_eq!(ok("jsondecode", vec![encoded]), v);
    }

    #[test]
    fn cidrsubnet_ipv4_stays_inside_its_parent(
        addr in any::<u32>(), prefix in 0u32..=32, extra in 0u32..=32, seed in any::<u64>()
    ) {
        let newbits = extra.min(32 - prefix).min(20);
        let netnum = seed % (1u64 << newbits);
        let parent = format!("{}/{prefix}", Ipv4Addr::from(addr));
        let child = ok("cidrsubnet", vec![s(&parent), n(newbits as f64), n(netnum as f64)]);
        let child = Network::parse(child.as_str().unwrap()).unwrap();
        let parent = Network::parse(&parent).unwrap();
        prop_assert_eq!(child.prefix, prefix + newbits);
        prop_assert_eq!(child.addr & !host_mask(32, prefix), parent.addr);
        let host = ok("cidrhost", vec![s(&format!("{}/{}", format_addr(child.addr, 32), child.prefix)), n(-1.0)]);
        let host: u32 = host.as_str().unwrap().parse::<Ipv4Addr>().unwrap().into();
        prop_assert_eq!(host as u128 & !host_mask(32, prefix), parent.addr);
    }

    #[test]
    fn cidrsubnet_ipv6_stays_inside_its_parent(
        addr in any::<u128>(), prefix in 0u32..=128, extra in 0u32..=40, seed in any::<u64>()
    ) {
        let newbits = extra.min(128 - prefix).min(40);
        let netnum = seed % (1u64 << newbits);
        let parent = format!("{}/{prefix}", Ipv6Addr::from(addr));
        let child = ok("cidrsubnet", vec![s(&parent), n(newbits as f64), n(netnum as f64)]);
        let child = Network::parse(child.as_str().unwrap()).unwrap();
        let parent = Network::parse(&parent).unwrap();
        prop_assert_eq!(child.prefix, prefix + newbits);
        prop_assert_eq!(child.addr & !host_mask(128, prefix), parent.addr);
        prop_assert_eq!(child.addr, parent.addr | (netnum as u128).checked_shl(128 - child.prefix).unwrap_or(0));
    }
}
