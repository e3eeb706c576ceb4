//! The shared readers' rules, each stated once here; the crates that read through them test
//! their own variables.

use super::*;

fn with<'a>(pairs: &'a [(&str, &str)]) -> impl Fn(&str) -> Option<String> + 'a {
    move |name| {
        let value = pairs.iter().find(|(k, _)| *k == name);
        value.and_then(|(_, v)| non_blank((*v).to_owned()))
    }
}

fn message<T: std::fmt::Debug>(result: Result<T, ConfigError>) -> String {
    result.unwrap_err().to_string()
}

#[test]
fn blank_is_unset_and_anything_else_is_kept_as_written() {
    for blank in ["", " ", "\t\n "] {
        assert_eq!(non_blank(blank.to_owned()), None, "{blank:?}");
    }
    for value in ["x", " x ", "0"] {
        assert_eq!(non_blank(value.to_owned()).as_deref(), Some(value));
    }
}

#[test]
fn numbers_are_whole_trimmed_and_in_range() {
    let get = with(&[("N", " 7 "), ("LOW", "0"), ("HIGH", "11"), ("X", "1.5")]);
    assert_eq!(number(&get, "N", 3, 1..=10), Ok(7));
    assert_eq!(number(&get, "UNSET", 3, 1..=10), Ok(3));
    assert_eq!(number(&get, "HIGH", 3, 1..=11), Ok(11));
    assert_eq!(
        message(number(&get, "LOW", 3, 1..=10)),
        "invalid configuration: LOW: 0 is outside 1..=10"
    );
    assert_eq!(
        message(number(&get, "HIGH", 3, 1..=10)),
        "invalid configuration: HIGH: 11 is outside 1..=10"
    );
    assert_eq!(
        message(number(&get, "X", 3, 1..=10)),
        "invalid configuration: X: \"1.5\" is not a whole number"
    );
}

#[test]
fn a_choice_is_one_of_its_names_exactly() {
    let choices = [("on", true), ("off", false)];
    let get = with(&[("A", " off "), ("B", "On")]);
    assert_eq!(one_of(&get, "A", true, &choices), Ok(false));
    assert_eq!(one_of(&get, "UNSET", true, &choices), Ok(true));
    assert_eq!(
        message(one_of(&get, "B", true, &choices)),
        "invalid configuration: B: \"On\" is not one of on, off"
    );
}

#[test]
fn lists_refuse_what_looks_like_a_typo() {
    assert_eq!(
        list("L", " a , b,c"),
        Ok(vec!["a".into(), "b".into(), "c".into()])
    );
    for (raw, expected) in [
        ("a,,b", "L: has an empty entry (check the commas)"),
        ("a,", "L: has an empty entry (check the commas)"),
        ("a b", "L: entry \"a b\" contains whitespace"),
        ("a, b ,a", "L: lists \"a\" twice"),
    ] {
        let error = message(list("L", raw));
        assert_eq!(
            error,
            format!("invalid configuration: {expected}"),
            "{raw:?}"
        );
    }
    let get = with(&[("L", "x")]);
    assert_eq!(required_list(&get, "L"), Ok(vec!["x".into()]));
    assert_eq!(optional_list(&get, "UNSET"), Ok(Vec::new()));
    assert_eq!(optional_list(&get, "L"), Ok(vec!["x".into()]));
    assert_eq!(
        message(required_list(&get, "UNSET")),
        "invalid configuration: UNSET: is required but not set"
    );
    assert_eq!(
        parsed(&get, "UNSET", |_| Err("no".to_owned())),
        Ok(None::<()>)
    );
    assert_eq!(
        message(parsed(&get, "L", |raw| Err::<(), _>(format!("bad {raw}")))),
        "invalid configuration: L: bad x"
    );
}

#[test]
fn a_dependent_set_without_its_parent_is_named() {
    let get = with(&[("B", "1"), ("C", "2")]);
    assert_eq!(refuse_set(&get, &["A"], "why"), Ok(()));
    assert_eq!(
        refuse_set(&get, &["A", "C", "B"], "why"),
        Err(ConfigError::new("C", "why"))
    );
}

#[cfg(unix)]
#[test]
fn values_that_are_not_utf8_are_refused_by_name() {
    use std::os::unix::ffi::OsStringExt;
    let lookup = |name: &str| match name {
        "BAD" => Some(OsString::from_vec(vec![0xff])),
        "BLANK" => Some(OsString::from(" ")),
        "OK" => Some(OsString::from("v")),
        _ => None,
    };
    let get = utf8(lookup, ["OK", "BLANK", "UNSET"]).unwrap();
    assert_eq!(
        (get("OK"), get("BLANK"), get("UNSET")),
        (Some("v".into()), None, None)
    );
    assert_eq!(
        utf8(lookup, ["OK", "BAD"]).err(),
        Some(ConfigError::new("BAD", "is not valid UTF-8"))
    );
}

#[test]
fn a_file_is_read_up_to_its_limit() {
    let dir = std::env::temp_dir().join(format!("verifier-env-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("four");
    std::fs::write(&path, b"1234").unwrap();
    let path = path.to_string_lossy();
    assert_eq!(read_file("F", &path, 4), Ok(b"1234".to_vec()));
    let error = read_file("F", &path, 3).unwrap_err();
    assert_eq!(
        (error.variable, error.message),
        ("F", format!("{path:?} is 4 bytes, over the 3 allowed"))
    );
    let missing = dir.join("missing").to_string_lossy().into_owned();
    let error = read_file("F", &missing, 3).unwrap_err();
    assert!(
        error
            .message
            .starts_with(&format!("cannot read {missing:?}: "))
    );
}
