using System.Text;

namespace LoadGen;

/// <summary>Enqueue bodies, spread over many conversations (one user id per conversation, one persona).</summary>
static class Bodies
{
    public static byte[] Enqueue(string user, string persona, string bufferSeconds, long? seq, string bench)
    {
        var tags = seq is { } s ? $"{{\"seq\":{s},\"bench\":\"{bench}\"}}" : $"{{\"bench\":\"{bench}\"}}";
        return Encoding.UTF8.GetBytes(
            $"{{\"userProfileId\":\"{user}\",\"personaProfileId\":\"{persona}\",\"language\":\"EN\",\"tags\":{tags}," +
            $"\"replyParameters\":{{\"bufferSeconds\":\"{bufferSeconds}\"}}}}");
    }

    /// <summary>One prebuilt body per user: picking one costs nothing at send time.</summary>
    public static byte[][] PerUser(int users, string bufferSeconds, string bench, string prefix = "bench-u") =>
        Enumerable.Range(0, users).Select(i => Enqueue($"{prefix}{i}", "bench-p", bufferSeconds, null, bench)).ToArray();
}
