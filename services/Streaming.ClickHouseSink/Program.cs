using Streaming.ClickHouseSink;
using Streaming.Kafka.Telemetry;
using Streaming.ServiceDefaults;

var builder = WebApplication.CreateBuilder(args);
builder.AddServiceDefaults();
builder.AddClickHouseSink();

var app = builder.Build();
app.MapServiceDefaults();
app.MapDeadLetterStatus("/v1/status");
app.Run();
