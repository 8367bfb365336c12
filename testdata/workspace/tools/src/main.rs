fn main() {
    let text = String::from("no pools here");
    std::mem::forget(text);
}
