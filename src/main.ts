// Entry point: argv -> main(args, deps) -> exit code. The only Deno.exit.
