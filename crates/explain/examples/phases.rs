//! Prints how long each start-up phase of `explain` takes in this process.
//! `cargo run --release -p authdoctor-explain --example phases`
use std::time::Instant;
fn main() {
    let t = Instant::now();
    let kb = authdoctor_kb::knowledge_base();
    let t_kb = t.elapsed();
    let _ = authdoctor_explain::index();
    let t_index = t.elapsed();
    let r = authdoctor_explain::explain_text("hello");
    let t_hello = t.elapsed();
    let r2 = authdoctor_explain::explain_text(
        "An error occurred (ExpiredToken) when calling the X operation: The security token included in the request is expired",
    );
    let t_first = t.elapsed();
    let _ = authdoctor_explain::explain_text(
        "An error occurred (ExpiredToken) when calling the X operation: The security token included in the request is expired",
    );
    let t_second = t.elapsed();
    println!(
        "kb {:?} index {:?} hello {:?} first {:?} second {:?} ({} scenarios, {} {})",
        t_kb,
        t_index - t_kb,
        t_hello - t_index,
        t_first - t_hello,
        t_second - t_first,
        kb.scenarios().len(),
        r.explained.len(),
        r2.explained.len()
    );
}
