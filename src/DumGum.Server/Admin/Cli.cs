using System.Text.Json;
using System.Text.Json.Nodes;
using DumGum.AccessKeys;
using DumGum.Conversations;
using DumGum.Customers;
using DumGum.Http.Validation;
using DumGum.Projects;
using DumGum.Storage;
using Microsoft.Extensions.Logging.Abstractions;

namespace DumGum.Admin;

/// <summary>
/// The admin operations as commands, for operators who script: they open the same database as the server (SQLite
/// lets both run at once) and apply the same validation as the admin API. A key revoked here stops working within
/// five seconds on a running server (its key cache re-reads the database).
/// </summary>
public static class Cli
{
    const string Usage = """
        Usage: dotnet run --project src/DumGum.Server -- <command>
          projects create --name NAME --profile-url URL --history-url URL --incoming-url URL [--header NAME=VALUE]...
          projects list
          keys create --project PROJECT_ID --name NAME
          keys list --project PROJECT_ID
          keys revoke --project PROJECT_ID --key KEY_ID
        Configuration is read exactly as the server reads it, later sources winning:
          appsettings.json and appsettings.{Environment}.json in the working directory (else beside the binary;
            Environment from ASPNETCORE_ENVIRONMENT or DOTNET_ENVIRONMENT, default Production),
          environment variables with __ for : (Storage__Sqlite__Path=/var/lib/dumgum/dumgum.db),
          options naming a setting, as --Key=value or --Key value (--Storage:Sqlite:Path=data/dumgum.db,
            --Storage:Provider=Postgres --ConnectionStrings:Postgres="Host=…", --Security:AllowPrivateNetworkEndpoints=true).
        """;

    static readonly JsonSerializerOptions Output = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    public static bool Handles(string[] args) => args.Length > 0 && args[0] is "projects" or "keys" or "help" or "--help";

    public static async Task<int> RunAsync(string[] args)
    {
        if (args[0] is "help" or "--help" || args.Length < 2) { Console.WriteLine(Usage); return args[0] is "help" or "--help" ? 0 : 2; }
        try
        {
            var options = Options(args[2..], out var headers, out var settings);
            return await RunAsync(args[0], args[1], options, headers, Configuration(settings));
        }
        catch (ArgumentException ex)
        {
            Console.Error.WriteLine(ex.Message);
            Console.Error.WriteLine(Usage);
            return 2;
        }
        catch (Exception ex) when (ex is System.Data.Common.DbException or InvalidOperationException or IOException or UnauthorizedAccessException)
        {
            // The database cannot be opened or written (wrong path, provider or connection string): say so, no stack trace.
            Console.Error.WriteLine($"error: {ex.Message}");
            return 1;
        }
    }

    static async Task<int> RunAsync(string noun, string verb, Dictionary<string, string> options, List<KeyValuePair<string, string>> headers,
        IConfiguration config)
    {
        using var database = Database.FromConfiguration(config);
        using var writes = new WriteQueue(database, NullLogger<WriteQueue>.Instance);
        var clock = TimeProvider.System;
        var projects = new ProjectStore(database, writes, clock);
        var keys = new AccessKeyStore(database, writes, clock);
        switch (noun, verb)
        {
            case ("projects", "create"):
            {
                var body = new JsonObject
                {
                    ["name"] = Get(options, "name"),
                    ["profileEndpointUrl"] = Get(options, "profile-url"),
                    ["chatHistoryEndpointUrl"] = Get(options, "history-url"),
                    ["incomingContentEndpointUrl"] = Get(options, "incoming-url"),
                    ["customHeaders"] = new JsonObject(headers.Select(h => KeyValuePair.Create(h.Key, (JsonNode?)h.Value))),
                };
                var allowPrivate = config.GetValue<bool>("Security:AllowPrivateNetworkEndpoints");
                var rule = ProjectRules.Create(allowPrivate, new EnqueueSchema([DumGum.Replies.Models.GenerationOptions.DefaultChatModel]), forUpdate: false);
                var errors = new JsonRule.Errors();
                using var document = JsonDocument.Parse(body.ToJsonString());
                // The checked object, not the input: rules normalise (an IDN host is stored as punycode).
                var checkedBody = rule.Check(document.RootElement, "", errors) as JsonObject;
                if (errors.Count > 0 || checkedBody is null)
                {
                    foreach (var (path, messages) in errors) Console.Error.WriteLine($"{Option(path)}: {string.Join("; ", messages)}");
                    return 2;
                }
                var project = await projects.CreateAsync((string)checkedBody["name"]!, ProjectAdmin.Apply(null, checkedBody));
                Console.WriteLine(JsonSerializer.Serialize(new { id = project.Id, name = project.Name, webhookSecret = project.WebhookSecret }, Output));
                return 0;
            }
            case ("projects", "list"):
                Console.WriteLine(JsonSerializer.Serialize(projects.All().Select(x => new { id = x.Id, name = x.Name, x.CreatedAt }), Output));
                return 0;
            case ("keys", "create"):
            {
                var projectId = Get(options, "project");
                if (projects.Find(projectId) is null) { Console.Error.WriteLine($"There is no project {projectId}."); return 1; }
                var (info, key) = await keys.CreateAsync(projectId, Get(options, "name"));
                Console.WriteLine(JsonSerializer.Serialize(new { id = info.Id, name = info.Name, key, createdAt = info.CreatedAt }, Output));
                Console.Error.WriteLine("The key is shown once; store it now.");
                return 0;
            }
            case ("keys", "list"):
                Console.WriteLine(JsonSerializer.Serialize(keys.List(Get(options, "project")), Output));
                return 0;
            case ("keys", "revoke"):
                if (await keys.RevokeAsync(Get(options, "project"), Get(options, "key"))) return 0;
                Console.Error.WriteLine("No such key in that project.");
                return 1;
            default:
                Console.Error.WriteLine(Usage);
                return 2;
        }
    }

    /// <summary>
    /// The server's own configuration, built the same way (WebApplication's sources and order, and the fallback to the
    /// settings beside the binary), so a command finds the database the server uses.
    /// </summary>
    static ConfigurationManager Configuration(Dictionary<string, string?> settings)
    {
        var builder = WebApplication.CreateBuilder(settings.Select(s => $"--{s.Key}={s.Value}").ToArray());
        Hosting.UseSettingsBesideTheBinary(builder);
        return builder.Configuration;
    }

    /// <summary>An error path of the project body as the option that set it, with the body path beside it.</summary>
    static string Option(string path) => path switch
    {
        "name" => "--name",
        "profileEndpointUrl" => "--profile-url (profileEndpointUrl)",
        "chatHistoryEndpointUrl" => "--history-url (chatHistoryEndpointUrl)",
        "incomingContentEndpointUrl" => "--incoming-url (incomingContentEndpointUrl)",
        _ when path.StartsWith("customHeaders.", StringComparison.Ordinal) => $"--header {path["customHeaders.".Length..]} ({path})",
        _ => path,
    };

    static string Get(Dictionary<string, string> options, string name) =>
        options.TryGetValue(name, out var v) ? v : throw new ArgumentException($"--{name} is required");

    static Dictionary<string, string> Options(string[] args, out List<KeyValuePair<string, string>> headers, out Dictionary<string, string?> settings)
    {
        var options = new Dictionary<string, string>(StringComparer.Ordinal);
        headers = [];
        settings = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
        for (var i = 0; i < args.Length; i++)
        {
            var a = args[i];
            if (!a.StartsWith("--", StringComparison.Ordinal)) throw new ArgumentException($"unexpected argument '{a}'");
            var eq = a.IndexOf('=', StringComparison.Ordinal);
            var name = eq > 0 ? a[2..eq] : a[2..];
            // A setting (its name has a ':'), as the server takes it: --Key=value or --Key value.
            if (name.Contains(':', StringComparison.Ordinal))
            {
                if (eq > 0) settings[name] = a[(eq + 1)..];
                else if (i + 1 < args.Length) settings[name] = args[++i];
                else throw new ArgumentException($"{a} needs a value");
                continue;
            }
            if (i + 1 >= args.Length) throw new ArgumentException($"{a} needs a value");
            var value = args[++i];
            if (a == "--header")
            {
                var sep = value.IndexOf('=', StringComparison.Ordinal);
                if (sep <= 0) throw new ArgumentException("--header takes NAME=VALUE");
                var header = value[..sep];
                // Header names are case-insensitive: a second one would silently replace the first.
                if (headers.Exists(h => string.Equals(h.Key, header, StringComparison.OrdinalIgnoreCase)))
                    throw new ArgumentException($"--header {header} is given twice");
                headers.Add(KeyValuePair.Create(header, value[(sep + 1)..]));
            }
            else options[a[2..]] = value;
        }
        return options;
    }
}
