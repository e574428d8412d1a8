fn main() {
    napi_build::setup();
    // The portable build loads llama.cpp's shared libraries from the addon's own folder. DT_RPATH
    // rather than RUNPATH (--disable-new-dtags): it also applies to the libraries' own dependencies
    // (libllama -> libggml -> libggml-base), which carry no search path of their own.
    if std::env::var_os("CARGO_FEATURE_PORTABLE").is_some()
        && std::env::var("CARGO_CFG_TARGET_OS").as_deref() == Ok("linux")
    {
        println!("cargo:rustc-cdylib-link-arg=-Wl,--disable-new-dtags,-rpath,$ORIGIN");
    }
}
