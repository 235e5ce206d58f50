use super::*;

const HARM: &str =
    "model,harmer,victim,resource,amount\nshared,a,b,cpu,0.30000000000000004\nshared,b,,cpu,2\n";

#[test]
fn a_table_becomes_a_batch_of_its_declared_types_with_nulls_for_empty_fields() {
    let b = record_batch("harm", HARM).unwrap();
    assert_eq!(b.num_rows(), 2);
    let s = b.schema();
    assert_eq!(s.field(0).data_type(), &DataType::Utf8);
    assert_eq!(s.field(4).data_type(), &DataType::Float64);
    assert_eq!(s.field(4).metadata()["unit"], "resource units x seconds");
    assert_eq!(s.metadata()["table"], "harm");
    let amount = b.column(4).as_any().downcast_ref::<Float64Array>().unwrap();
    // the CSV's value exactly: 0.1 + 0.2 in binary
    assert_eq!(amount.value(0), 0.1 + 0.2);
    assert_eq!(amount.value(1), 2.0);
    assert!(b.column(2).is_null(1));
    // and back to the same text
    assert_eq!(csv_text(&[b]).unwrap(), HARM);
}

#[test]
fn per_resource_columns_carry_their_resource() {
    let s = schema_of("nodes", &["model", "node", "capacity_network_in"]).unwrap();
    assert_eq!(s.field(1).data_type(), &DataType::Int64);
    let f = s.field(2);
    assert_eq!(f.metadata()["unit"], "resource units");
    assert_eq!(f.metadata()["resource"], "network_in");
}

#[test]
fn undeclared_columns_and_mistyped_fields_are_errors_naming_them() {
    let e = record_batch("harm", "model,surprise\na,1\n").unwrap_err();
    assert!(e.contains("column `surprise` has no declared type"), "{e}");
    let e = record_batch("nodes", "model,node\na,x\n").unwrap_err();
    assert_eq!(e, "nodes: line 2: `node` = \"x\" is not a whole number");
    let e = record_batch("plan", "model,feasible\na,yes\n").unwrap_err();
    assert_eq!(e, "plan: line 2: `feasible` = \"yes\" is not true or false");
    let e = record_batch("nope", "a\n").unwrap_err();
    assert_eq!(e, "`nope` is not a table output");
}

#[test]
fn parquet_reads_back_with_its_schema_and_values() {
    let b = record_batch("harm", HARM).unwrap();
    let bytes = to_parquet(&b).unwrap();
    assert_eq!(&bytes[..4], b"PAR1");
    // the same batch gives the same bytes
    assert_eq!(bytes, to_parquet(&b).unwrap());
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("harm.parquet");
    std::fs::write(&path, &bytes).unwrap();
    let back = read_parquet(&path).unwrap();
    assert_eq!(back[0].schema(), b.schema());
    assert_eq!(back[0], b);
    assert_eq!(csv_text(&back).unwrap(), HARM);
}

#[test]
fn ipc_stream_reads_back() {
    let b = record_batch("harm", HARM).unwrap();
    let bytes = to_ipc(&b).unwrap();
    let mut r =
        arrow_ipc::reader::StreamReader::try_new(std::io::Cursor::new(bytes), None).unwrap();
    let back = r.next().unwrap().unwrap();
    assert_eq!(back, b);
    assert!(r.next().is_none());
}

#[test]
fn writing_a_table_removes_its_twin_in_the_other_format() {
    let dir = tempfile::tempdir().unwrap();
    write_table(dir.path(), "harm", HARM, Format::Csv).unwrap();
    assert_eq!(read_text(dir.path(), "harm").unwrap(), HARM.as_bytes());
    write_table(dir.path(), "harm", HARM, Format::Parquet).unwrap();
    assert!(!dir.path().join("harm.csv").exists());
    assert_eq!(read_text(dir.path(), "harm").unwrap(), HARM.as_bytes());
    write_table(dir.path(), "harm", HARM, Format::Csv).unwrap();
    assert!(!dir.path().join("harm.parquet").exists());
    assert!(read_text(dir.path(), "tenants").is_none());
}

#[test]
fn a_table_without_rows_reads_back_as_its_header() {
    let header = "model,harmer,victim,resource,amount\n";
    let dir = tempfile::tempdir().unwrap();
    write_table(dir.path(), "harm", header, Format::Parquet).unwrap();
    let back = read_parquet(&dir.path().join("harm.parquet")).unwrap();
    assert_eq!(back.len(), 1);
    assert_eq!(back[0].num_rows(), 0);
    assert_eq!(back[0].schema().metadata()["table"], "harm");
    assert_eq!(read_text(dir.path(), "harm").unwrap(), header.as_bytes());
}
