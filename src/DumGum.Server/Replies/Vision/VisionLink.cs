using System.Diagnostics;
using DumGum.Customers;
using DumGum.Projects;
using DumGum.Replies;
using DumGum.Replies.Models;
using Microsoft.Extensions.Options;

namespace DumGum.Replies.Vision;

/// <summary>
/// Vision Link (docs/behaviour.md, "Vision Link"): before a reply is written, the pictures that <c>vision.*</c> asks for
/// are described by the vision model, passed by URL, each at most once per URL while the project's cache holds it. The
/// descriptions reach every chat model through the prompt; a chat model that can see gets the accepted pictures as
/// images too. Shared pictures are moderated: a rejected one leaves the reply's context and becomes a
/// <c>chat.image.rejected</c> event. Without a vision model (or in <c>testMode</c>) <c>vision.*</c> is skipped, and the
/// project logs say so once per run.
/// </summary>
public sealed class VisionLink(
    PictureAnalyser analyser,
    VisionCache cache,
    ModelCatalog catalog,
    CallLog callLog,
    TimeProvider clock,
    IOptions<VisionOptions> options,
    IOptions<SecurityOptions> security,
    ILogger<VisionLink> log)
{
    /// <summary>The price of one analysed photo; a cached one costs nothing.</summary>
    public const decimal PricePerPhoto = 0.015m;

    /// <summary>The project-log kind of Vision Link's entries (picture HEADs, failed analyses, skips).</summary>
    public const string LogKind = "vision";

    /// <summary>Newest shared pictures (of the user's latest messages) analysed per run.</summary>
    public const int MaxSharedPictures = 4;

    /// <summary>Uncaptioned Smart Share photos analysed with <c>vision.shareablePicturesAnalysis</c> per run.</summary>
    public const int MaxShareablePictures = 4;

    /// <summary>Older pictures of the history looked up in the cache (never analysed anew) per run.</summary>
    public const int MaxHistoryPictures = 20;

    enum Kind { Profile, Shared, Shareable, History }

    sealed record Candidate(string Url, string Label, Kind Kind);

    /// <summary>The logical chat model that analyses pictures, or null when none is configured (the offline engine has none).</summary>
    public string? Model => catalog.Provider == GenerationProvider.Offline ? null
        : options.Value.Model is { Length: > 0 } named ? named
        : catalog.Names.FirstOrDefault(n => catalog.Resolve(n).Vision);

    public async Task<VisionRun> PrepareAsync(Project project, ConversationKey key, ReplyContext context, bool testMode,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(project);
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(context);
        var p = context.Parameters;
        if (!p.UserProfilePictureAnalysis && !p.PersonaProfilePictureAnalysis && !p.SharedPicturesAnalysis && !p.ShareablePicturesAnalysis)
            return new VisionRun(context with { Vision = VisionNotes.Empty }, null, [], project.Id, key);
        var candidates = Candidates(context);

        var model = testMode ? null : Model;
        if (model is null)
        {
            var why = testMode ? "testMode uses the offline engine, which has no vision model"
                : "no vision model is configured (Vision:Model, or a Generation:Models entry with Vision: true)";
            callLog.Record(project.Id, LogKind, candidates.FirstOrDefault()?.Url ?? "", null, TimeSpan.Zero, 0,
                "warning: vision.* skipped: " + why, key.UserProfileId, key.PersonaProfileId, call: false);
            return new VisionRun(context with { Vision = VisionNotes.Empty },
                new VisionItemisation(null, [], 0, 0m, why), [], project.Id, key);
        }

        var now = clock.GetUtcNow();
        var urls = candidates.Select(c => (c.Url, CacheOnly: c.Kind == Kind.History))
            .GroupBy(c => c.Url, StringComparer.Ordinal).Select(g => (Url: g.Key, CacheOnly: g.All(c => c.CacheOnly)));
        var results = (await Task.WhenAll(urls.Select(u => AnalyseAsync(project, key, model, u.Url, u.CacheOnly, now, cancellationToken))))
            .Where(r => r is not null).ToDictionary(r => r!.Url, r => r!, StringComparer.Ordinal);

        var seen = new List<SeenPicture>();
        var items = new List<VisionItem>();
        var rejections = new List<(string Url, string Reason)>();
        var removed = new HashSet<string>(StringComparer.Ordinal);
        foreach (var c in candidates)
        {
            if (!results.TryGetValue(c.Url, out var r))
            {
                if (c.Kind != Kind.History) items.Add(new VisionItem(c.Url, c.Kind.ToString().ToUpperInvariant(), "FAILED", null, null));
                continue;
            }
            if (c.Kind != Kind.History || r.Analysis.Rejection is not null)
                items.Add(new VisionItem(c.Url, c.Kind.ToString().ToUpperInvariant(), r.Billed ? "ANALYSED" : "CACHED", r.Analysis.Rejection, r.Cache));
            if (r.Analysis.Rejection is { } reason)
            {
                // Shared pictures are moderated: out of the context, and the customer hears of the new ones. Profile and
                // shareable pictures are only kept from the persona's eyes (their owner moderates them).
                if (c.Kind is Kind.Shared or Kind.History) removed.Add(c.Url);
                if (c.Kind == Kind.Shared && !rejections.Any(x => x.Url == c.Url)) rejections.Add((c.Url, reason));
                continue;
            }
            seen.Add(new SeenPicture(c.Label, c.Url, r.Analysis.Description, Show: c.Kind != Kind.History));
        }
        var analysed = results.Values.Count(r => r.Billed);
        var history = removed.Count == 0 ? context.History
            : context.History.Select(m => m.Sender == Sender.User && m.PictureUrls.Any(removed.Contains)
                ? m with { PictureUrls = m.PictureUrls.Where(u => !removed.Contains(u)).ToList() } : m).ToList();
        return new VisionRun(context with { History = history, Vision = new VisionNotes(seen) },
            new VisionItemisation(model, items, analysed, analysed * PricePerPhoto, null), rejections, project.Id, key);
    }

    sealed record Result(string Url, PictureAnalysis Analysis, bool Billed, string? Cache);

    /// <summary>
    /// One URL: from the cache, or (unless <paramref name="cacheOnly"/>) from the vision model, with the HEAD that
    /// decides how long the answer is kept made at the same time. Null when it could not be analysed.
    /// </summary>
    async Task<Result?> AnalyseAsync(Project project, ConversationKey key, string model, string url, bool cacheOnly, DateTimeOffset now,
        CancellationToken cancellationToken)
    {
        if (cache.Find(project.Id, url, now) is { } hit) return new Result(url, hit, false, "hit");
        if (cacheOnly) return null;
        var started = Stopwatch.GetTimestamp();
        var policyTask = cache.PolicyAsync(url, now, cancellationToken);
        PictureAnalysis? analysis;
        string? problem;
        try
        {
            (analysis, problem) = await analyser.AnalyseAsync(model, project.Id, url, cancellationToken);
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
        {
            // A vision model that is down or over budget costs the reply its picture, not the reply.
            log.LogWarning(ex, "Vision analysis of a picture failed for project {ProjectId}", project.Id);
            (analysis, problem) = (null, "the vision model failed: " + ex.Message);
        }
        var (policy, status, headError) = await policyTask;
        callLog.Record(project.Id, LogKind, url, status, Stopwatch.GetElapsedTime(started), 1,
            problem is not null ? "vision analysis failed: " + problem : headError is not null ? "HEAD: " + headError : null,
            key.UserProfileId, key.PersonaProfileId, call: false);
        if (analysis is null) return null;
        await cache.StoreAsync(project.Id, url, analysis, policy, now, cancellationToken);
        return new Result(url, analysis, true, policy.Store ? policy.Source : policy.Source + " (not stored)");
    }

    /// <summary>
    /// What <c>vision.*</c> asks for: the main pictures, the pictures of the user's latest messages (newest
    /// <see cref="MaxSharedPictures"/>), uncaptioned Smart Share photos, and older shared pictures of the history (cache only).
    /// </summary>
    List<Candidate> Candidates(ReplyContext context)
    {
        var p = context.Parameters;
        var user = context.User.DisplayName;
        var list = new List<Candidate>();
        if (p.PersonaProfilePictureAnalysis && Acceptable(context.Persona.MainPictureUrl) is { } mine)
            list.Add(new(mine, "Your own main profile photo", Kind.Profile));
        if (p.UserProfilePictureAnalysis && Acceptable(context.User.MainPictureUrl) is { } his)
            list.Add(new(his, $"{user}'s main profile photo", Kind.Profile));
        if (p.SharedPicturesAnalysis)
        {
            var latest = new List<string>();
            var i = context.History.Count - 1;
            for (; i >= 0 && context.History[i].Sender == Sender.User; i--)
                foreach (var url in context.History[i].PictureUrls.Reverse())
                    if (Acceptable(url) is { } u && latest.Count < MaxSharedPictures && !latest.Contains(u)) latest.Insert(0, u);
            list.AddRange(latest.Select(u => new Candidate(u, $"A picture {user} just shared", Kind.Shared)));
            var older = new List<string>();
            for (; i >= 0 && older.Count < MaxHistoryPictures; i--)
                if (context.History[i].Sender == Sender.User)
                    foreach (var url in context.History[i].PictureUrls)
                        if (Acceptable(url) is { } u && !latest.Contains(u) && !older.Contains(u)) older.Add(u);
            list.AddRange(older.Select(u => new Candidate(u, $"A picture {user} shared earlier", Kind.History)));
        }
        if (p.ShareablePicturesAnalysis && context.SmartShareEnabled)
        {
            var shared = SharedPictures.In(context.History);
            list.AddRange(p.ShareablePictures
                .Where(x => string.IsNullOrWhiteSpace(x.Caption) && !string.IsNullOrWhiteSpace(x.Id) && !shared.Contains(x.Url.Trim()))
                .Select(x => Acceptable(x.Url) is { } u ? new Candidate(u, $"Your shareable photo id \"{x.Id}\"", Kind.Shareable) : null)
                .OfType<Candidate>().Take(MaxShareablePictures));
        }
        return list;
    }

    /// <summary>HTTPS only, like every picture URL; plain http too where private networks are allowed (development, tests).</summary>
    string? Acceptable(string? url)
    {
        if (url is null || !Uri.TryCreate(url.Trim(), UriKind.Absolute, out var uri)) return null;
        return uri.Scheme == Uri.UriSchemeHttps || (uri.Scheme == Uri.UriSchemeHttp && security.Value.AllowPrivateNetworkEndpoints)
            ? url.Trim() : null;
    }
}
