using System.Xml.Linq;
using DumGum.Storage;
using Microsoft.AspNetCore.DataProtection.Repositories;

namespace DumGum.Dashboard;

/// <summary>
/// Keeps ASP.NET Core's data-protection keys (which encrypt the session and antiforgery cookies) in our database, so a
/// session survives a restart and is valid on every node that shares the database.
/// </summary>
sealed class DatabaseKeyRepository(Database database) : IXmlRepository
{
    public IReadOnlyCollection<XElement> GetAllElements()
    {
        using var connection = database.Open();
        using var command = connection.Sql("SELECT xml FROM dataprotection_keys ORDER BY name");
        using var reader = command.ExecuteReader();
        var elements = new List<XElement>();
        while (reader.Read()) elements.Add(XElement.Parse(reader.GetString(0)));
        return elements;
    }

    public void StoreElement(XElement element, string friendlyName)
    {
        using var connection = database.Open();
        connection.Sql("INSERT INTO dataprotection_keys(name, xml) VALUES(@n, @x) ON CONFLICT(name) DO NOTHING")
            .With("@n", friendlyName).With("@x", element.ToString(SaveOptions.DisableFormatting)).ExecuteNonQuery();
    }
}
