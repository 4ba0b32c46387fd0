using System.Globalization;
using System.Text.Json;
using LoadGen;

const string Usage = """
    loadgen closed  --url URL [--key KEY] [--connections 64] [--warmup 3] [--duration 15] [--users 10000]
                    [--buffer-seconds 60] [--label NAME] [--json FILE] [--server-pid PID] [--timeout 30]
                    [--customer-pid PID] [--total N] [--distinct] [--user-prefix bench-u] [--accepted-file FILE]
                    (--total: stop after N requests; --distinct: each user once, in order; --accepted-file: the users
                    that got a 204, one a line)
    loadgen open    (as closed, without --total) --rate R [--drain 10]
    loadgen answered --customer URL --load FILE --accepted-file FILE [--persona bench-p] [--user-prefix bench-u]
                    [--already N] [--quiet 10] [--max-wait 60] [--json FILE] [--server-pid PID] [--customer-pid PID]
                    (waits until every accepted conversation got answer.created or conversation.dropped; --already: the
                    customer's answered count before this load; exit 2 when some accepted conversation got no answer)
    loadgen conversations-report --bare FILE --capacity-load FILE --capacity-answered FILE --overload-load FILE
                    --overload-answered FILE [--json FILE]   (exit 2 when an accepted enqueue was never answered)
    loadgen setup   --admin URL --token TOKEN [--customer http://127.0.0.1:9] [--name bench]   (prints the access key)
    loadgen crash-load --url URL --key KEY [--conversations 1000] [--total 100000] [--connections 64]
                    [--buffer-seconds 1] [--max-seconds 300] --progress-file FILE --accepted-file FILE [--json FILE]
    loadgen verify  --customer URL --accepted-file FILE [--load-json FILE] [--quiet 10] [--long-quiet 60]
                    [--max-wait 180] [--json FILE]                 (exit 2 when an accepted enqueue is lost)
    loadgen report  --bare FILE --closed FILE --open FILE [--metrics-closed-before F --metrics-closed-after F]
                    [--metrics-open-before F --metrics-open-after F] [--json FILE]
    loadgen rate    --closed FILE [--fraction 0.5]      (prints fraction x the measured throughput, as an integer)
    """;

if (args.Length == 0 || args[0] is "-h" or "--help")
{
    Console.WriteLine(Usage);
    return args.Length == 0 ? 1 : 0;
}

var a = new Args(args.Skip(1));
try
{
    switch (args[0])
    {
        case "closed":
        case "open":
        {
            var url = new Uri(a.Required("url"));
            var key = a.Get("key");
            var connections = a.Int("connections", 64);
            var warmup = a.Double("warmup", 3);
            var duration = a.Double("duration", 15);
            var users = a.Int("users", 10_000);
            var buffer = a.Str("buffer-seconds", "60");
            var label = a.Str("label", args[0]);
            var json = a.Get("json");
            var serverPid = Pid(a, "server-pid");
            var customerPid = Pid(a, "customer-pid");
            var timeout = a.Double("timeout", 30);
            var rate = args[0] == "open" ? a.Double("rate", 0) : 0;
            var drain = args[0] == "open" ? a.Double("drain", 10) : 0;
            var total = args[0] == "closed" ? a.Int("total", 0) : 0;
            Load.Distinct = a.Flag("distinct");
            var prefix = a.Str("user-prefix", "bench-u");
            Load.AcceptedFile = a.Get("accepted-file");
            a.EnsureAllUsed();
            if (duration is <= 0 or > 600) throw new ArgumentException("--duration must be in (0, 600] seconds");
            if (args[0] == "open" && rate <= 0) throw new ArgumentException("--rate is required and must be positive");
            var bodies = Bodies.PerUser(users, buffer, "enqueue", prefix);
            Load.Users = Enumerable.Range(0, users).Select(i => $"{prefix}{i}").ToArray();
            using var sender = new Sender(url, key, connections, TimeSpan.FromSeconds(timeout));
            var cpu = new CpuSampler(serverPid, customerPid: customerPid);
            var result = args[0] == "closed"
                ? await Load.ClosedAsync(label, sender, url, bodies, connections, warmup, duration, total, cpu)
                : await Load.OpenAsync(label, sender, url, bodies, connections, rate, warmup, duration, drain, cpu);
            if (json is not null) await File.WriteAllTextAsync(json, JsonSerializer.Serialize(result, Report.Json));
            Console.WriteLine(Report.Human(result));
            return result.AllOk ? 0 : 3;
        }
        case "answered":
        {
            var customer = new Uri(a.Required("customer").TrimEnd('/') + "/");
            var load = Read(a.Required("load"));
            var acceptedFile = a.Required("accepted-file");
            var persona = a.Str("persona", "bench-p");
            var prefix = a.Str("user-prefix", "bench-u");
            var already = a.Int("already", 0);
            var quiet = a.Double("quiet", 10);
            var maxWait = a.Double("max-wait", 60);
            var json = a.Get("json");
            var cpu = new CpuSampler(Pid(a, "server-pid"), customerPid: Pid(a, "customer-pid"));
            a.EnsureAllUsed();
            var answered = await Conversations.WaitAsync(customer, load, acceptedFile, persona, prefix, already, quiet, maxWait, cpu);
            if (json is not null) await File.WriteAllTextAsync(json, JsonSerializer.Serialize(answered, Report.Json));
            Console.WriteLine(Conversations.Human(load.Label, answered));
            return answered.Lost == 0 ? 0 : 2;
        }
        case "conversations-report":
        {
            var bare = Read(a.Required("bare"));
            var capacityLoad = Read(a.Required("capacity-load"));
            var capacity = Conversations.Read(a.Required("capacity-answered"));
            var overloadLoad = Read(a.Required("overload-load"));
            var overload = Conversations.Read(a.Required("overload-answered"));
            var json = a.Get("json");
            a.EnsureAllUsed();
            var verdict = Conversations.Verdict(bare, capacityLoad, capacity, overloadLoad, overload);
            if (json is not null) await File.WriteAllTextAsync(json, JsonSerializer.Serialize(verdict, Report.Json));
            Console.WriteLine(Conversations.Human(verdict));
            return verdict.Lost == 0 ? 0 : 2;
        }
        case "setup":
        {
            var admin = new Uri(a.Required("admin"));
            var token = a.Required("token");
            var customer = a.Str("customer", "http://127.0.0.1:9");
            var name = a.Str("name", "bench");
            a.EnsureAllUsed();
            Console.WriteLine(await Setup.RunAsync(admin, token, customer, name));
            return 0;
        }
        case "crash-load":
        {
            var url = new Uri(a.Required("url"));
            var key = a.Required("key");
            var conversations = a.Int("conversations", 1000);
            var total = a.Int("total", 100_000);
            var connections = a.Int("connections", 64);
            var buffer = a.Str("buffer-seconds", "1");
            var maxSeconds = a.Double("max-seconds", 300);
            var progress = a.Required("progress-file");
            var acceptedFile = a.Required("accepted-file");
            var json = a.Get("json");
            a.EnsureAllUsed();
            using var sender = new Sender(url, key, connections, TimeSpan.FromSeconds(10));
            var summary = await Crash.LoadAsync(sender, conversations, connections, total, maxSeconds, buffer, progress, acceptedFile);
            if (json is not null) await File.WriteAllTextAsync(json, JsonSerializer.Serialize(summary, Report.Json));
            Console.WriteLine(JsonSerializer.Serialize(summary, Report.Json));
            return summary.Accepted >= total ? 0 : 3;
        }
        case "verify":
        {
            var customer = new Uri(a.Required("customer").TrimEnd('/') + "/");
            var acceptedFile = a.Required("accepted-file");
            var loadJson = a.Get("load-json");
            var quiet = a.Double("quiet", 10);
            var longQuiet = a.Double("long-quiet", 60);
            var maxWait = a.Double("max-wait", 180);
            var json = a.Get("json");
            a.EnsureAllUsed();
            var load = loadJson is null ? null
                : JsonSerializer.Deserialize<Crash.LoadSummary>(await File.ReadAllTextAsync(loadJson), Report.Json);
            var verdict = await Crash.VerifyAsync(customer, acceptedFile, quiet, longQuiet, maxWait, load);
            var text = JsonSerializer.Serialize(verdict, Report.Json);
            if (json is not null) await File.WriteAllTextAsync(json, text);
            Console.WriteLine(text);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"crash test: accepted {verdict.Accepted} over {verdict.Conversations} conversations; answered {verdict.ConversationsAnswered}; lost {verdict.Lost} ({(verdict.Lost == 0 ? "goal met" : "GOAL NOT MET")}); {verdict.StoppedBecause}"));
            return verdict.Lost == 0 ? 0 : 2;
        }
        case "report":
        {
            var bare = Read(a.Required("bare"));
            var closed = Read(a.Required("closed"));
            var open = Read(a.Required("open"));
            var closedBatches = Report.Batches(a.Get("metrics-closed-before"), a.Get("metrics-closed-after"), closed.WarmupSeconds + closed.DurationSeconds);
            var openBatches = Report.Batches(a.Get("metrics-open-before"), a.Get("metrics-open-after"), open.WarmupSeconds + open.DurationSeconds);
            var json = a.Get("json");
            a.EnsureAllUsed();
            var verdict = Report.Enqueue(bare, closed, open, closedBatches, openBatches);
            if (json is not null) await File.WriteAllTextAsync(json, JsonSerializer.Serialize(verdict, Report.Json));
            Console.WriteLine(Report.Human(verdict));
            return verdict.Goals.Values.All(v => v) ? 0 : 4;
        }
        case "rate":
        {
            var closed = Read(a.Required("closed"));
            var fraction = a.Double("fraction", 0.5);
            a.EnsureAllUsed();
            Console.WriteLine(((long)Math.Max(1, Math.Floor(closed.Throughput * fraction))).ToString(CultureInfo.InvariantCulture));
            return 0;
        }
        default:
            Console.Error.WriteLine(Usage);
            return 1;
    }
}
catch (ArgumentException ex)
{
    Console.Error.WriteLine($"loadgen: {ex.Message}\n{Usage}");
    return 1;
}
catch (Exception ex) when (ex is HttpRequestException or InvalidOperationException or IOException)
{
    Console.Error.WriteLine($"loadgen {args[0]}: {ex.Message}");
    return 1;
}

static int? Pid(Args a, string name) => a.Get(name) is { } p ? int.Parse(p, CultureInfo.InvariantCulture) : null;

static LoadResult Read(string path) =>
    JsonSerializer.Deserialize<LoadResult>(File.ReadAllText(path), Report.Json) ?? throw new ArgumentException($"{path} is empty");
