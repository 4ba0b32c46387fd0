using System.Diagnostics;
using System.Net.Sockets;

namespace DumGum.Tests.Infrastructure;

/// <summary>
/// A DumGum node as a real OS process (the server's build output beside the tests), for what an in-process host
/// cannot do: die with <c>kill -9</c> in the middle of its work. Stopped by its own process id, never by name.
/// </summary>
public sealed class ServerProcess : IAsyncDisposable
{
    readonly Process process;
    readonly System.Text.StringBuilder output = new();

    ServerProcess(Process process, Uri baseAddress)
    {
        this.process = process;
        BaseAddress = baseAddress;
        Http = new HttpClient { BaseAddress = baseAddress };
    }

    public Uri BaseAddress { get; }
    public HttpClient Http { get; }
    public int ProcessId => process.Id;

    public string Output { get { lock (output) return output.ToString(); } }

    /// <summary>Starts a node on PostgreSQL with <paramref name="settings"/> as <c>--Key=Value</c> arguments; waits until /healthz answers.</summary>
    public static async Task<ServerProcess> StartAsync(string connectionString, IReadOnlyDictionary<string, string>? settings = null)
    {
        var port = FreePort();
        var info = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = AppContext.BaseDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "DumGum.Server.dll"));
        var args = new Dictionary<string, string>
        {
            ["urls"] = $"http://127.0.0.1:{port}",
            ["Storage:Provider"] = "Postgres",
            ["ConnectionStrings:Postgres"] = connectionString,
            ["Admin:Token"] = DumGumHost.AdminToken,
            ["Security:AllowPrivateNetworkEndpoints"] = "true",
            ["Logging:LogLevel:Default"] = "Warning",
        };
        foreach (var (k, v) in settings ?? new Dictionary<string, string>()) args[k] = v;
        foreach (var (k, v) in args) info.ArgumentList.Add($"--{k}={v}");
        info.Environment["ASPNETCORE_ENVIRONMENT"] = "Testing";
        info.Environment["DOTNET_gcServer"] = "0";
        var process = Process.Start(info)!;
        var server = new ServerProcess(process, new Uri($"http://127.0.0.1:{port}"));
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (server.output) server.output.AppendLine(e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (server.output) server.output.AppendLine(e.Data); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var until = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            if (process.HasExited) throw new InvalidOperationException($"the node exited at start: {server.Output}");
            try
            {
                using var response = await server.Http.GetAsync("/healthz", TestContext.Current.CancellationToken);
                if (response.IsSuccessStatusCode) return server;
            }
            catch (HttpRequestException) { }
            if (DateTime.UtcNow > until) { await server.DisposeAsync(); throw new TimeoutException("the node did not become healthy in 60 s"); }
            await Task.Delay(100, TestContext.Current.CancellationToken);
        }
    }

    /// <summary>SIGKILL: no shutdown, no lease released, nothing flushed.</summary>
    public void Kill()
    {
        if (!process.HasExited) process.Kill(entireProcessTree: false);
        process.WaitForExit(10_000);
    }

    [System.Runtime.InteropServices.DllImport("libc", SetLastError = true)]
    static extern int kill(int pid, int sig);

    static int FreePort()
    {
        using var listener = new TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        return ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
    }

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        if (!process.HasExited)
        {
            // A graceful stop first (SIGTERM), then SIGKILL if it hangs.
            _ = kill(process.Id, 15);
            using var wait = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            try { await process.WaitForExitAsync(wait.Token); }
            catch (OperationCanceledException) { process.Kill(); }
        }
        process.Dispose();
    }
}
