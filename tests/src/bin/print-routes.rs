//! Prints the routes of the api-handler and the local gateway as JSON (see `e2e::routes`),
//! for `scripts/check_template.py --print-routes target/debug/print-routes`.

fn main() {
    println!("{:#}", e2e::routes::routes_json());
}
