//! The writing shared by the CSV outputs: how a number is written, the per-resource columns
//! of a header, and a table built in memory as text. Knows no output file: each table's
//! module names its own columns and fills its own rows.

/// `x` as every output writes it: its shortest form that reads back the same, and `0` for a
/// zero of either sign.
pub(super) fn num(x: f64) -> String {
    if x == 0.0 {
        "0".into()
    } else {
        format!("{x}")
    }
}

/// `names` as owned column names.
pub(super) fn columns(names: &[&str]) -> Vec<String> {
    names.iter().map(|x| x.to_string()).collect()
}

/// One column per resource, `<prefix>_<resource>`, in resource order.
pub(super) fn resource_columns<'a>(
    prefix: &'a str,
    resources: &'a [&str],
) -> impl Iterator<Item = String> + 'a {
    resources.iter().map(move |n| format!("{prefix}_{n}"))
}

/// A CSV table in memory, its `header` written.
pub(super) fn writer<I, T>(header: I) -> csv::Writer<Vec<u8>>
where
    I: IntoIterator<Item = T>,
    T: AsRef<[u8]>,
{
    let mut w = csv::Writer::from_writer(vec![]);
    w.write_record(header).expect("in memory");
    w
}

/// The text of a table written in memory.
pub(super) fn into_text(w: csv::Writer<Vec<u8>>) -> String {
    String::from_utf8(w.into_inner().expect("in memory")).expect("UTF-8 fields")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_written_shortest_and_zero_plainly() {
        // 0.1 + 0.2 is 0.30000000000000004 in binary; both zeros are "0", not "-0"
        assert_eq!(num(0.1 + 0.2), "0.30000000000000004");
        assert_eq!(num(1.5), "1.5");
        assert_eq!(num(2.0), "2");
        assert_eq!(num(0.0), "0");
        assert_eq!(num(-0.0), "0");
    }

    #[test]
    fn tables_have_their_header_and_rows() {
        let names = ["cpu", "memory"];
        let mut header = columns(&["model"]);
        header.extend(resource_columns("spec", &names));
        let mut w = writer(&header);
        w.write_record(["a", "1", "2"]).unwrap();
        assert_eq!(into_text(w), "model,spec_cpu,spec_memory\na,1,2\n");
    }
}
