//! Build script: napi-rs link settings for the Node.js addon.
fn main() {
    napi_build::setup();
}
