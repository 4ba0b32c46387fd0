using System.Net;
using System.Net.Sockets;

namespace DumGum.Customers;

/// <summary>
/// Keeps customer-supplied URLs (webhooks, customer APIs) from reaching our own network: loopback, private ranges,
/// link-local (including the 169.254.169.254 cloud metadata service) and other non-public addresses.
/// URLs are checked when they are saved (<see cref="IsAcceptableUrl"/>), but the check that matters happens at
/// connect time (<see cref="CreateHandler"/>): a hostname can resolve to a public address when saved and to
/// 127.0.0.1 a second later (DNS rebinding), so every address is checked right before the socket is opened.
/// </summary>
public static class OutboundAddressGuard
{
    const string SettingName = "Security:AllowPrivateNetworkEndpoints";

    /// <summary>
    /// True for any address a customer URL must not reach. IPv6 forms that embed an IPv4 address
    /// (IPv4-mapped, IPv4-compatible, NAT64 64:ff9b::/96, 6to4 2002::/16) are judged by the embedded address,
    /// since the OS or a gateway will deliver them there.
    /// </summary>
    public static bool IsForbidden(IPAddress address)
    {
        ArgumentNullException.ThrowIfNull(address);
        return address.AddressFamily switch
        {
            AddressFamily.InterNetwork => IsForbiddenV4(address.GetAddressBytes()),
            AddressFamily.InterNetworkV6 => IsForbiddenV6(address.GetAddressBytes()),
            _ => true, // Unknown families are not something a customer endpoint needs.
        };
    }

    /// <summary>
    /// An HTTP handler for customer endpoints: redirects are not followed (a public URL could redirect to an internal
    /// one, and the caller should see the 3xx), and every resolved address is checked at connect time.
    /// </summary>
    public static SocketsHttpHandler CreateHandler(bool allowPrivateNetworks, TimeSpan connectTimeout)
    {
        return new SocketsHttpHandler
        {
            AllowAutoRedirect = false,
            ConnectTimeout = connectTimeout,
            // Recycle pooled connections so DNS changes are picked up (and re-checked) regularly.
            PooledConnectionLifetime = TimeSpan.FromMinutes(2),
            AutomaticDecompression = DecompressionMethods.All,
            // With a proxy the callback would only see the proxy's address, and the proxy would resolve the
            // customer's host itself, bypassing the check. Customer endpoints are reached directly.
            UseProxy = false,
            ConnectCallback = (context, cancellationToken) =>
                ConnectAsync(context.DnsEndPoint, allowPrivateNetworks, cancellationToken),
        };
    }

    /// <summary>
    /// Validation when a URL is saved, so that obvious mistakes and attacks get a clear message up front.
    /// Hostnames are not resolved here (the connect-time check in <see cref="CreateHandler"/> covers them).
    /// </summary>
    public static bool IsAcceptableUrl(string url, bool allowPrivateNetworks, out string? problem)
    {
        problem = Check(url, allowPrivateNetworks);
        return problem is null;
    }

    static string? Check(string url, bool allowPrivateNetworks)
    {
        // One message for both: on Unix "/some/path" parses as an absolute file: URI, so "not absolute" and
        // "wrong scheme" are not reliably distinguishable.
        if (string.IsNullOrWhiteSpace(url) || !Uri.TryCreate(url, UriKind.Absolute, out var uri)
            || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
            return "The URL must be an absolute URL starting with http:// or https://.";
        if (!string.IsNullOrEmpty(uri.UserInfo))
            return "The URL must not contain a user name or password; send credentials in headers instead.";
        string idnHost;
        try
        {
            idnHost = uri.IdnHost;
        }
        catch (UriFormatException)
        {
            // Uri accepts the text, but its IDN conversion does not (found by fuzzing: "https://bücher.exampl-/p").
            return "The URL's host is not a valid internationalised domain name.";
        }
        var host = BareHost(idnHost);
        if (host.Length == 0)
            return "The URL must include a host.";
        if (allowPrivateNetworks) return null;

        if (uri.Scheme != Uri.UriSchemeHttps)
            return $"The URL must use https; plain http is only allowed when {SettingName} is set.";
        if (uri.HostNameType is UriHostNameType.IPv4 or UriHostNameType.IPv6 && IPAddress.TryParse(host, out var literal))
        {
            if (IsForbidden(literal))
                return $"The URL points at a private, loopback or link-local address ({literal}); set {SettingName} to allow it.";
            return null;
        }

        var name = host.TrimEnd('.').ToLowerInvariant();
        if (name is "localhost" or "metadata" or "metadata.google.internal" || name.EndsWith(".localhost", StringComparison.Ordinal))
            return $"The host {name} is a local or cloud metadata name; set {SettingName} to allow it.";
        return null;
    }

    static async ValueTask<Stream> ConnectAsync(DnsEndPoint endpoint, bool allowPrivateNetworks, CancellationToken cancellationToken)
    {
        var host = BareHost(endpoint.Host);
        var addresses = IPAddress.TryParse(host, out var literal)
            ? [literal]
            : await Dns.GetHostAddressesAsync(host, cancellationToken);
        if (addresses.Length == 0)
            throw new HttpRequestException($"{host} does not resolve to any address.");

        // Any forbidden address refuses the whole host, not just that address: a name that mixes public and
        // private answers is either misconfigured or probing us.
        if (!allowPrivateNetworks)
            foreach (var address in addresses)
                if (IsForbidden(address))
                    throw new HttpRequestException(
                        $"{host} resolves to a private, loopback or link-local address ({address}); set {SettingName} to allow it.");

        Exception? lastError = null;
        foreach (var address in addresses)
        {
            var socket = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            try
            {
                await socket.ConnectAsync(new IPEndPoint(address, endpoint.Port), cancellationToken);
                return new NetworkStream(socket, ownsSocket: true);
            }
            catch (SocketException ex)
            {
                // Try the next address, as the default connect logic would.
                socket.Dispose();
                lastError = ex;
            }
            catch
            {
                // Cancellation (including the handler's ConnectTimeout) or anything unexpected: give up now.
                socket.Dispose();
                throw;
            }
        }
        throw new HttpRequestException($"Could not connect to {host}:{endpoint.Port}.", lastError);
    }

    // Uri and DnsEndPoint may hand over IPv6 literals in brackets; IPAddress.TryParse and DNS want them bare.
    static string BareHost(string host) =>
        host.Length > 1 && host[0] == '[' && host[^1] == ']' ? host[1..^1] : host;

    static bool IsForbiddenV4(ReadOnlySpan<byte> b) =>
        b[0] == 0                                     // 0.0.0.0/8 "this network", incl. unspecified
        || b[0] == 10                                 // 10/8 private
        || (b[0] == 100 && (b[1] & 0xC0) == 64)       // 100.64/10 carrier-grade NAT
        || b[0] == 127                                // 127/8 loopback
        || (b[0] == 169 && b[1] == 254)               // 169.254/16 link-local, incl. 169.254.169.254 metadata
        || (b[0] == 172 && (b[1] & 0xF0) == 16)       // 172.16/12 private
        || (b[0] == 192 && b[1] == 0 && b[2] == 0)    // 192.0.0.0/24 IETF protocol assignments
        || (b[0] == 192 && b[1] == 168)               // 192.168/16 private
        || (b[0] == 198 && (b[1] & 0xFE) == 18)       // 198.18/15 benchmarking
        || b[0] >= 224;                               // 224/4 multicast, 240/4 reserved, 255.255.255.255 broadcast

    static bool IsForbiddenV6(byte[] b)
    {
        // ::/96 covers ::, ::1 and the deprecated IPv4-compatible ::a.b.c.d; judged as IPv4
        // (:: → 0.0.0.0 and ::1 → 0.0.0.1 both fall in 0/8).
        if (IsZero(b.AsSpan(0, 12))) return IsForbiddenV4(b.AsSpan(12));
        // ::ffff:a.b.c.d, IPv4-mapped.
        if (IsZero(b.AsSpan(0, 10)) && b[10] == 0xFF && b[11] == 0xFF) return IsForbiddenV4(b.AsSpan(12));
        // 64:ff9b::/96, NAT64 well-known prefix: a NAT64 gateway forwards to the embedded IPv4.
        if (b[0] == 0x00 && b[1] == 0x64 && b[2] == 0xFF && b[3] == 0x9B && IsZero(b.AsSpan(4, 8)))
            return IsForbiddenV4(b.AsSpan(12));
        // 2002::/16, 6to4: the relay forwards to the IPv4 address in bytes 2..5.
        if (b[0] == 0x20 && b[1] == 0x02) return IsForbiddenV4(b.AsSpan(2, 4));

        return b[0] == 0xFF                           // ff00::/8 multicast
            || (b[0] & 0xFE) == 0xFC                  // fc00::/7 unique local (private)
            || (b[0] == 0xFE && (b[1] & 0xC0) == 0x80) // fe80::/10 link-local
            || (b[0] == 0xFE && (b[1] & 0xC0) == 0xC0); // fec0::/10 site-local (deprecated, still private)
    }

    static bool IsZero(ReadOnlySpan<byte> bytes) => !bytes.ContainsAnyExcept((byte)0);
}
