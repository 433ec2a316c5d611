import ArgumentParser
import SwirlPostgres

/// `swirl migrate`: brings a database's schema up to this binary's.
struct Migrate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "migrate",
        abstract: "Apply Swirl's database migrations (or print their SQL).",
        discussion: """
            Missing migrations are applied in order under an advisory lock, each recorded with its \
            checksum. A database whose applied migrations differ from this binary's, or that is \
            newer, is refused. Every command that uses a database migrates on first use, so this \
            is for deployments that migrate ahead of time; --print-sql is for teams that run \
            their own migration tool.
            """
    )

    @OptionGroup var store: StoreOptions

    @Flag(help: "Print the SQL of every migration instead of applying them.")
    var printSQL = false

    func run() async throws {
        if printSQL {
            Terminal.writeOutput(PostgresMigrator.sql())
            return
        }
        let opened = try await store.open(poolSize: 1)
        await opened.close()
        Terminal.writeError("swirl: the database is up to date\n")
    }
}
