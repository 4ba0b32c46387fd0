using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Text;
using DumGum.Tests.Infrastructure;
using Npgsql;

// Stops the shared cluster when the test assembly finishes. Its constructor starts nothing, so runs that never
// touch PostgreSQL never start a server.
[assembly: AssemblyFixture(typeof(PostgresClusterLifetime))]

namespace DumGum.Tests.Infrastructure;

/// <summary>Assembly fixture that only stops <see cref="PostgresCluster.SharedAsync"/>'s cluster if something started it.</summary>
public sealed class PostgresClusterLifetime : IAsyncDisposable
{
    public ValueTask DisposeAsync() => PostgresCluster.StopSharedAsync();
}

/// <summary>
/// A throwaway PostgreSQL cluster in a temp folder, on a free loopback port. Tests share one per process
/// (<see cref="SharedAsync"/>) and isolate themselves with a database each (<see cref="CreateDatabaseAsync"/>).
/// </summary>
public sealed class PostgresCluster : IAsyncDisposable
{
    static readonly Lazy<Task<PostgresCluster>> Shared = new(StartSharedAsync);

    readonly string _root;
    readonly Process _launcher; // postgres itself, or runuser whose child is postgres
    readonly StringBuilder _output = new();
    int _stopped;

    public int Port { get; }
    /// <summary>The postmaster's own PID (from postmaster.pid), which is what we signal to stop it.</summary>
    public int ServerProcessId { get; private set; }
    public string AdminConnectionString { get; }

    /// <summary>The process-wide cluster, started on first call; every caller gets the same task.</summary>
    public static Task<PostgresCluster> SharedAsync() => Shared.Value;

    internal static async ValueTask StopSharedAsync()
    {
        if (!Shared.IsValueCreated) return;
        var task = Shared.Value;
        // A start still in progress is waited for; a failed start already cleaned up after itself.
        await ((Task)task).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        if (task.IsCompletedSuccessfully) await task.Result.DisposeAsync();
    }

    static async Task<PostgresCluster> StartSharedAsync()
    {
        // Backstops for exits that skip the assembly fixture: ProcessExit covers Environment.Exit; since .NET 10
        // SIGTERM no longer raises ProcessExit, so it gets its own handler (the default termination follows it).
        AppDomain.CurrentDomain.ProcessExit += (_, _) => StopSharedBlocking();
        TermSignal = PosixSignalRegistration.Create(PosixSignal.SIGTERM, _ => StopSharedBlocking());
        return await StartAsync();
    }

    static PosixSignalRegistration? TermSignal; // kept referenced so the handler stays registered

    static void StopSharedBlocking() => StopSharedAsync().AsTask().Wait(TimeSpan.FromSeconds(35));

    PostgresCluster(string root, Process launcher, int port)
    {
        _root = root;
        _launcher = launcher;
        Port = port;
        AdminConnectionString = new NpgsqlConnectionStringBuilder
        {
            Host = "127.0.0.1", Port = port, Username = "postgres", Database = "postgres", Pooling = false,
        }.ConnectionString;
    }

    /// <summary>Starts a new cluster; prefer <see cref="SharedAsync"/> unless a test needs its own server.</summary>
    public static async Task<PostgresCluster> StartAsync()
    {
        var bin = FindBinDir();
        var root = Path.Combine(Path.GetTempPath(), $"dumgum-pg-{Guid.NewGuid():N}");
        var data = Path.Combine(root, "data");
        Directory.CreateDirectory(root);
        PostgresCluster? cluster = null;
        try
        {
            // initdb and postgres refuse to run as root; CI runs as root, so hand the folder to the postgres user.
            if (IsRoot) await RunAsync(Start("chown", ["-R", "postgres:", root], root, asPostgres: false));
            await RunAsync(Start(Tool(bin, "initdb"),
                ["-D", data, "-U", "postgres", "-A", "trust", "--no-sync", "-E", "UTF8", "--locale=C"], root, IsRoot));

            var port = FreePort();
            // The postgres binary rather than pg_ctl, so the server is a process we own and can signal by PID.
            var launcher = Start(Tool(bin, "postgres"),
                ["-D", data, "-p", port.ToString(CultureInfo.InvariantCulture), "-k", root,
                 "-c", "listen_addresses=127.0.0.1", "-c", "max_connections=400", "-c", "shared_buffers=128MB",
                 "-c", "fsync=on", "-c", "synchronous_commit=on", "-c", "log_min_messages=warning"], root, IsRoot);
            cluster = new PostgresCluster(root, launcher, port);
            launcher.OutputDataReceived += cluster.Capture;
            launcher.ErrorDataReceived += cluster.Capture;
            launcher.BeginOutputReadLine();
            launcher.BeginErrorReadLine();
            await cluster.WaitUntilReadyAsync();
            // Under runuser the launcher's PID is runuser's, not the server's; postmaster.pid's first line is the server.
            cluster.ServerProcessId = cluster.ReadServerPid();
            return cluster;
        }
        catch
        {
            if (cluster is not null) await cluster.DisposeAsync();
            else TryDelete(root);
            throw;
        }
    }

    /// <summary>Creates an empty database and returns a connection string for it.</summary>
    public async Task<string> CreateDatabaseAsync(CancellationToken cancellationToken = default)
    {
        var name = $"dumgum_{Guid.NewGuid():N}";
        await ExecuteAdminAsync($"CREATE DATABASE \"{name}\"", cancellationToken);
        return new NpgsqlConnectionStringBuilder
        {
            Host = "127.0.0.1", Port = Port, Username = "postgres", Database = name, MaxPoolSize = 50,
        }.ConnectionString;
    }

    /// <summary>Drops a database from <see cref="CreateDatabaseAsync"/>, disconnecting its users; best effort.</summary>
    public async Task DropDatabaseAsync(string connectionString, CancellationToken cancellationToken = default)
    {
        var name = new NpgsqlConnectionStringBuilder(connectionString).Database;
        if (string.IsNullOrEmpty(name)) return;
        using (var pooled = new NpgsqlConnection(connectionString)) NpgsqlConnection.ClearPool(pooled);
        try
        {
            await ExecuteAdminAsync($"DROP DATABASE IF EXISTS \"{name.Replace("\"", "\"\"", StringComparison.Ordinal)}\" WITH (FORCE)",
                cancellationToken);
        }
        catch (Exception e) when (e is NpgsqlException or InvalidOperationException)
        {
            // Best effort: the whole cluster is deleted at the end of the run anyway.
        }
    }

    async Task ExecuteAdminAsync(string sql, CancellationToken cancellationToken)
    {
        await using var connection = new NpgsqlConnection(AdminConnectionString);
        await connection.OpenAsync(cancellationToken);
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    async Task WaitUntilReadyAsync()
    {
        var until = Stopwatch.StartNew();
        var connectionString = new NpgsqlConnectionStringBuilder(AdminConnectionString) { Timeout = 2 }.ConnectionString;
        while (true)
        {
            try
            {
                await using var connection = new NpgsqlConnection(connectionString);
                await connection.OpenAsync();
                return;
            }
            catch (Exception e) when (e is NpgsqlException or TimeoutException)
            {
                if (_launcher.HasExited || until.Elapsed > TimeSpan.FromSeconds(30))
                    throw new InvalidOperationException(
                        $"PostgreSQL did not become ready on port {Port} ({(_launcher.HasExited ? $"exited with {_launcher.ExitCode}" : "timed out")}):\n{Output}", e);
                await Task.Delay(100);
            }
        }
    }

    /// <summary>First line of postmaster.pid, or 0 before the server wrote it.</summary>
    int ReadServerPid()
    {
        try { return int.Parse(File.ReadLines(Path.Combine(_root, "data", "postmaster.pid")).First(), CultureInfo.InvariantCulture); }
        catch (Exception e) when (e is IOException or FormatException or InvalidOperationException) { return 0; }
    }

    string Output { get { lock (_output) return _output.ToString(); } }

    void Capture(object sender, DataReceivedEventArgs e)
    {
        if (e.Data is null) return;
        lock (_output) _output.AppendLine(e.Data);
    }

    /// <summary>Fast shutdown (SIGINT) of exactly our server, SIGKILL after 30 s, then deletes the folder.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _stopped, 1) != 0) return;
        // Once the launcher has exited the server is gone too (runuser waits for its child), and postmaster.pid may
        // be stale. A start that failed before ready has no ServerProcessId yet, so look again.
        var pid = _launcher.HasExited ? 0 : ServerProcessId != 0 ? ServerProcessId : ReadServerPid();
        if (pid != 0)
        {
            try
            {
                using var server = Process.GetProcessById(pid);
                _ = kill(pid, SIGINT);
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
                try { await server.WaitForExitAsync(timeout.Token); }
                catch (OperationCanceledException) { server.Kill(); await server.WaitForExitAsync(); }
            }
            catch (ArgumentException) { } // already gone
        }
        // runuser exits once its child does; wait so its output handlers are done before the folder goes.
        using (var launcherTimeout = new CancellationTokenSource(TimeSpan.FromSeconds(5)))
        {
            try { await _launcher.WaitForExitAsync(launcherTimeout.Token); }
            catch (OperationCanceledException) { _launcher.Kill(); }
        }
        _launcher.Dispose();
        TryDelete(_root);
    }

    static void TryDelete(string root)
    {
        try { Directory.Delete(root, recursive: true); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { }
    }

    static bool IsRoot => Environment.UserName == "root" || (OperatingSystem.IsLinux() && geteuid() == 0);

    /// <summary>pg_config's bindir, else the newest Debian /usr/lib/postgresql/N/bin, else null (use PATH).</summary>
    static string? FindBinDir()
    {
        try
        {
            using var pgConfig = Process.Start(new ProcessStartInfo("pg_config", "--bindir") { RedirectStandardOutput = true })!;
            var dir = pgConfig.StandardOutput.ReadToEnd().Trim();
            pgConfig.WaitForExit();
            // libpq-dev's pg_config can exist without the server, so check initdb is really there.
            if (pgConfig.ExitCode == 0 && File.Exists(Path.Combine(dir, "initdb"))) return dir;
        }
        catch (System.ComponentModel.Win32Exception) { } // no pg_config
        return Directory.Exists("/usr/lib/postgresql")
            ? Directory.GetDirectories("/usr/lib/postgresql")
                .Select(d => (Version: int.TryParse(Path.GetFileName(d), CultureInfo.InvariantCulture, out var v) ? v : -1, Bin: Path.Combine(d, "bin")))
                .Where(d => d.Version >= 0 && File.Exists(Path.Combine(d.Bin, "initdb")))
                .OrderByDescending(d => d.Version).Select(d => d.Bin).FirstOrDefault()
            : null;
    }

    static string Tool(string? bin, string name) => bin is null ? name : Path.Combine(bin, name);

    static int FreePort()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }

    static Process Start(string file, string[] args, string workingDirectory, bool asPostgres)
    {
        var info = new ProcessStartInfo(asPostgres ? "runuser" : file)
        {
            // The postgres user may not be able to enter our current directory (e.g. /root).
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        if (asPostgres) foreach (var a in new[] { "-u", "postgres", "--", file }) info.ArgumentList.Add(a);
        foreach (var a in args) info.ArgumentList.Add(a);
        // Client-side defaults from the environment must not leak into initdb/postgres.
        info.Environment.Remove("PGDATA");
        info.Environment.Remove("PGPORT");
        return Process.Start(info)!;
    }

    static async Task RunAsync(Process process)
    {
        using (process)
        {
            var stdout = process.StandardOutput.ReadToEndAsync();
            var stderr = process.StandardError.ReadToEndAsync();
            await process.WaitForExitAsync();
            if (process.ExitCode != 0)
                throw new InvalidOperationException(
                    $"{process.StartInfo.FileName} {string.Join(' ', process.StartInfo.ArgumentList)} exited with {process.ExitCode}:\n{await stdout}{await stderr}");
        }
    }

    const int SIGINT = 2;

    [DllImport("libc", SetLastError = true)]
    static extern int kill(int pid, int sig);

    [DllImport("libc")]
    static extern uint geteuid();
}
