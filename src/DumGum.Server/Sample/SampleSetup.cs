using System.Text.Json;
using DumGum.AccessKeys;
using DumGum.Projects;

namespace DumGum.Sample;

/// <summary>What the host prints once, the first time: the sample project and the key that was just minted for it.</summary>
public sealed record SampleCredentials(string ProjectId, string AccessKey);

/// <summary>
/// Makes sure the sample customer has a project and an access key, the way a customer would sign up once and keep its
/// settings. They live in the sample's own file, not in our tables, because only the key's hash is ours to keep.
/// </summary>
public static class SampleSetup
{
    public const string ProjectName = "Sample project";
    public const string KeyName = "sample customer";
    public const string FileName = "sample-customer.json";

    sealed record SampleSettings(string ProjectId, string AccessKey, string WebhookSecret);

    static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    /// <summary>
    /// Connects <paramref name="customer"/> to its project, creating the project and a key on first use. Returns the
    /// credentials only when a new key was made (the key cannot be shown again later), otherwise null.
    /// </summary>
    public static async Task<SampleCredentials?> EnsureAsync(ProjectStore projects, AccessKeyStore keys, SampleCustomer customer,
        string dataDirectory, string baseUrl, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(projects);
        ArgumentNullException.ThrowIfNull(keys);
        ArgumentNullException.ThrowIfNull(customer);
        baseUrl = baseUrl.TrimEnd('/');
        var path = Path.Combine(dataDirectory, FileName);
        var endpoints = new ProjectConfig
        {
            ProfileEndpointUrl = baseUrl + "/sample/profile",
            ChatHistoryEndpointUrl = baseUrl + "/sample/history",
            IncomingContentEndpointUrl = baseUrl + "/sample/incoming",
        };

        if (await ReadAsync(path, ct) is { } settings && projects.Find(settings.ProjectId) is { } project)
        {
            // The server may listen on another port than when the project was made; DumGum must call where the sample is.
            if (project.Config.ProfileEndpointUrl != endpoints.ProfileEndpointUrl
                || project.Config.ChatHistoryEndpointUrl != endpoints.ChatHistoryEndpointUrl
                || project.Config.IncomingContentEndpointUrl != endpoints.IncomingContentEndpointUrl)
                project = await projects.UpdateAsync(project with
                {
                    Config = project.Config with
                    {
                        ProfileEndpointUrl = endpoints.ProfileEndpointUrl,
                        ChatHistoryEndpointUrl = endpoints.ChatHistoryEndpointUrl,
                        IncomingContentEndpointUrl = endpoints.IncomingContentEndpointUrl,
                    },
                }, ct);

            var current = settings;
            // An operator may have rotated the webhook secret: take the new one, as a customer would paste it in.
            if (project.WebhookSecret != current.WebhookSecret) current = current with { WebhookSecret = project.WebhookSecret };
            // A revoked key would turn every enqueue into a 401; mint a new one and say so.
            SampleCredentials? minted = null;
            if (keys.Authenticate(current.AccessKey)?.ProjectId != project.Id)
            {
                var (_, key) = await keys.CreateAsync(project.Id, KeyName, ct);
                current = current with { AccessKey = key };
                minted = new SampleCredentials(project.Id, key);
            }
            if (current != settings) await WriteAsync(path, current, ct);
            customer.Connect(baseUrl, current.ProjectId, current.AccessKey, current.WebhookSecret);
            return minted;
        }

        var created = await projects.CreateAsync(ProjectName, endpoints, ct);
        var (_, accessKey) = await keys.CreateAsync(created.Id, KeyName, ct);
        var fresh = new SampleSettings(created.Id, accessKey, created.WebhookSecret);
        await WriteAsync(path, fresh, ct);
        customer.Connect(baseUrl, fresh.ProjectId, fresh.AccessKey, fresh.WebhookSecret);
        return new SampleCredentials(created.Id, accessKey);
    }

    /// <summary>The saved settings, or null when there are none or they cannot be read (then a new project is made).</summary>
    static async Task<SampleSettings?> ReadAsync(string path, CancellationToken ct)
    {
        if (!File.Exists(path)) return null;
        try
        {
            await using var stream = File.OpenRead(path);
            var settings = await JsonSerializer.DeserializeAsync<SampleSettings>(stream, Json, ct);
            return settings is { ProjectId.Length: > 0, AccessKey.Length: > 0, WebhookSecret.Length: > 0 } ? settings : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    // Written to a temporary file and moved into place, readable by the owner only: it holds a key and a secret.
    static async Task WriteAsync(string path, SampleSettings settings, CancellationToken ct)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        var temporary = path + ".tmp";
        await using (var stream = new FileStream(temporary, FileMode.Create, FileAccess.Write, FileShare.None))
        {
            if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(stream.SafeFileHandle, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            await JsonSerializer.SerializeAsync(stream, settings, Json, ct);
        }
        File.Move(temporary, path, overwrite: true);
    }
}
