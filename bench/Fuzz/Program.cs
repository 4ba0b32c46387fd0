// bench/Fuzz: the long fuzz run of issue 9, point 10. Sends fuzzed bodies (tests/DumGum.Tests/Hardening/BodyFuzzer.cs:
// generated from the schemas, then mutated) to a running DumGum and checks that no response is ≥ 500 and that a rejected
// request stores nothing: every enqueue counted by the server was answered 204, every project that exists was
// answered 201, and a rejected patch left the project as it was.
//
//   dotnet bench/Fuzz/bin/Release/net10.0/Fuzz.dll --url http://127.0.0.1:5080 --token ADMIN --customer http://127.0.0.1:PORT [--iter 100000] [--threads 4]
using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using CsCheck;
using DumGum.Fuzzing;

var options = new Dictionary<string, string>();
for (var i = 0; i + 1 < args.Length; i += 2) options[args[i].TrimStart('-')] = args[i + 1];
var url = options["url"].TrimEnd('/');
var token = options["token"];
var customer = options["customer"].TrimEnd('/');
var iter = long.Parse(options.GetValueOrDefault("iter", "100000"), CultureInfo.InvariantCulture);
var threads = int.Parse(options.GetValueOrDefault("threads", "4"), CultureInfo.InvariantCulture);

using var http = new HttpClient { BaseAddress = new Uri(url), Timeout = TimeSpan.FromSeconds(60) };

async Task<JsonObject> AdminAsync(HttpMethod method, string path, JsonObject? body = null)
{
    using var request = new HttpRequestMessage(method, path);
    request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
    if (body is not null) request.Content = new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json");
    using var response = await http.SendAsync(request);
    var text = await response.Content.ReadAsStringAsync();
    if (!response.IsSuccessStatusCode) throw new InvalidOperationException($"{method} {path}: {(int)response.StatusCode} {text}");
    return JsonNode.Parse(text)!.AsObject();
}

async Task<long> CountProjectsAsync()
{
    long count = 0;
    string? after = null;
    while (true)
    {
        var page = await AdminAsync(HttpMethod.Get, "/admin/v1/projects?limit=1000" + (after is null ? "" : "&after=" + after));
        count += page["items"]!.AsArray().Count;
        after = (string?)page["nextAfter"];
        if (after is null) return count;
    }
}

async Task<double> EnqueuesCountedAsync()
{
    var text = await http.GetStringAsync("/metrics");
    return text.Split('\n').Where(l => l.StartsWith("dumgum_enqueues_total", StringComparison.Ordinal))
        .Sum(l => double.Parse(l[(l.LastIndexOf('}') + 1)..].Trim().Split(' ')[0], CultureInfo.InvariantCulture));
}

var project = await AdminAsync(HttpMethod.Post, "/admin/v1/projects", new JsonObject
{
    ["name"] = "fuzz",
    ["profileEndpointUrl"] = customer + "/profile",
    ["chatHistoryEndpointUrl"] = customer + "/history",
    ["incomingContentEndpointUrl"] = customer + "/incoming",
    // Far above what the run sends, so every body meets validation rather than the key's rate limit.
    ["rateLimit"] = new JsonObject { ["requestsPerSecond"] = 1_000_000, ["burst"] = 1_000_000 },
});
var projectId = (string)project["id"]!;
var key = (string)(await AdminAsync(HttpMethod.Post, $"/admin/v1/projects/{projectId}/access-keys", new JsonObject { ["name"] = "fuzz" }))["key"]!;
var projectsAtStart = await CountProjectsAsync();
var enqueuesAtStart = await EnqueuesCountedAsync();

var failures = 0;
var report = new StringBuilder();
long accepted204 = 0, created201 = 0;
foreach (var endpoint in BodyFuzzer.Endpoints)
{
    var statuses = new System.Collections.Concurrent.ConcurrentDictionary<int, long>();
    var watch = Stopwatch.StartNew();
    var patchLock = new SemaphoreSlim(1);
    try
    {
        await BodyFuzzer.Bodies(endpoint).SampleAsync(async body =>
        {
            var path = BodyFuzzer.Path(endpoint).Replace("{project}", projectId, StringComparison.Ordinal);
            string? before = null;
            // A patch is checked against the project before and after, one at a time.
            if (endpoint == BodyFuzzer.PatchProject) { await patchLock.WaitAsync(); before = (await AdminAsync(HttpMethod.Get, path)).ToJsonString(); }
            try
            {
                using var request = new HttpRequestMessage(new HttpMethod(BodyFuzzer.Method(endpoint)), path) { Content = new ByteArrayContent(body.Bytes) };
                request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
                request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", BodyFuzzer.IsAdmin(endpoint) ? token : key);
                using var response = await http.SendAsync(request);
                var status = (int)response.StatusCode;
                statuses.AddOrUpdate(status, 1, (_, n) => n + 1);
                if (status >= 500) throw new InvalidOperationException($"{status} for {body}: {await response.Content.ReadAsStringAsync()}");
                if (endpoint == BodyFuzzer.Enqueue && status == 204) Interlocked.Increment(ref accepted204);
                if (endpoint == BodyFuzzer.CreateProject && status == 201) Interlocked.Increment(ref created201);
                if (before is not null && status >= 300 && (await AdminAsync(HttpMethod.Get, path)).ToJsonString() != before)
                    throw new InvalidOperationException($"a rejected patch ({status}) changed the project: {body}");
            }
            finally
            {
                if (before is not null) patchLock.Release();
            }
        }, iter: iter, threads: endpoint == BodyFuzzer.PatchProject ? 1 : threads, print: b => b.ToString());
    }
    catch (Exception ex)
    {
        failures++;
        report.AppendLine(CultureInfo.InvariantCulture, $"{endpoint}: FAILED: {ex.Message}");
    }
    var total = statuses.Values.Sum();
    var line = $"{endpoint}: {total} bodies in {watch.Elapsed.TotalSeconds:0} s ({total / watch.Elapsed.TotalSeconds:0}/s); " +
               $"≥500: {statuses.Where(s => s.Key >= 500).Sum(s => s.Value)}; statuses: " +
               string.Join(", ", statuses.OrderBy(s => s.Key).Select(s => $"{s.Key}×{s.Value}"));
    Console.WriteLine(line);
}

// Nothing stored for a rejected request: the server's own counts equal the successes we saw.
await Task.Delay(TimeSpan.FromSeconds(2));
var projects = await CountProjectsAsync() - projectsAtStart;
var enqueues = await EnqueuesCountedAsync() - enqueuesAtStart;
Console.WriteLine($"projects created: {projects} (201 answers: {created201}); enqueues accepted by the server: {enqueues} (204 answers: {accepted204})");
if (projects != created201) { failures++; report.AppendLine("projects exist that no 201 announced"); }
if ((long)enqueues != accepted204) { failures++; report.AppendLine("enqueues were accepted that no 204 announced"); }
Console.Write(report);
Console.WriteLine(failures == 0 ? "RESULT: pass" : $"RESULT: {failures} failure(s)");
return failures == 0 ? 0 : 1;
