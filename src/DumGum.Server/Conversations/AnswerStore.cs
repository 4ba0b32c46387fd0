using System.Text.Json.Nodes;
using DumGum.Storage;

namespace DumGum.Conversations;

/// <summary>Answers as sent, with their prompt itemisation, readable by the operator (admin API).</summary>
public sealed class AnswerStore(Database database)
{
    public static void Insert(WriteQueue.Writer w, string id, string projectId, long conversationId, DateTimeOffset createdAt,
        string answerJson, string? itemisationJson) =>
        w.Command("""
                INSERT INTO answers(id, project_id, conversation_id, created_at, answer, itemisation)
                VALUES(@id, @p, @c, @at, @answer, @items)
                """)
            .With("@id", id).With("@p", projectId).With("@c", conversationId).With("@at", createdAt.ToUnixMs())
            .With("@answer", answerJson).With("@items", itemisationJson).ExecuteNonQuery();

    /// <summary>The answer and its itemisation, scoped to the project: another project's answer is not found.</summary>
    public JsonObject? Find(string projectId, string answerId)
    {
        using var connection = database.Open();
        using var command = connection.Sql("SELECT answer, itemisation FROM answers WHERE id = @id AND project_id = @p")
            .With("@id", answerId).With("@p", projectId);
        using var reader = command.ExecuteReader();
        if (!reader.Read()) return null;
        return new JsonObject
        {
            ["answer"] = AnswerOf(JsonNode.Parse(reader.GetString(0))),
            ["itemisation"] = reader.IsDBNull(1) ? null : JsonNode.Parse(reader.GetString(1)),
        };
    }

    /// <summary>The column holds the <c>answer.created</c> event as sent; the answer is its <c>data.answer</c>.</summary>
    static JsonNode? AnswerOf(JsonNode? stored) => stored?["data"]?["answer"]?.DeepClone() ?? stored;
}
