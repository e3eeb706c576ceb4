//! `local-gateway`: parse the options, wire the functions, serve on 127.0.0.1.

use std::process::ExitCode;
use std::sync::Arc;

use local_gateway::cli::{self, Command};
use local_gateway::{Gateway, config, server};

#[tokio::main]
async fn main() -> ExitCode {
    let options = match cli::parse(std::env::args().skip(1)) {
        Ok(Command::Run(options)) => options,
        Ok(Command::Help) => {
            print!("{}", cli::usage());
            return ExitCode::SUCCESS;
        }
        Err(message) => {
            eprintln!("local-gateway: {message}");
            return ExitCode::from(2);
        }
    };
    lambda_runtime::tracing::init_default_subscriber();
    let env = |name: &str| std::env::var(name).ok();
    let functions = match config::functions(&options, env).await {
        Ok(functions) => functions,
        Err(message) => {
            eprintln!("local-gateway: {message}");
            return ExitCode::FAILURE;
        }
    };
    let mut gateway = Gateway::new(config::gateway_config(&options, env), functions);
    match config::builtin_authorizer(&options, env).await {
        Ok(Some(builtin)) => gateway = gateway.with_builtin(builtin),
        Ok(None) => {}
        Err(message) => {
            eprintln!("local-gateway: {message}");
            return ExitCode::FAILURE;
        }
    }
    let gateway = Arc::new(gateway);
    match server::serve(gateway, options.port).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("local-gateway: {error}");
            ExitCode::FAILURE
        }
    }
}
