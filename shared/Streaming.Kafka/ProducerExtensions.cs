using Confluent.Kafka;

namespace Streaming.Kafka;

public static class ProducerExtensions
{
    /// <summary>
    /// Produce, waiting while the client's local queue is full instead of failing: a consumer that reads faster
    /// than the brokers acknowledge simply slows down to their pace.
    /// </summary>
    public static void ProduceWithBackpressure<TKey, TValue>(
        this IProducer<TKey, TValue> producer, TopicPartition destination, Message<TKey, TValue> message, Action<DeliveryReport<TKey, TValue>>? onDelivery = null)
    {
        while (true)
        {
            try
            {
                producer.Produce(destination, message, onDelivery);
                return;
            }
            catch (ProduceException<TKey, TValue> ex) when (ex.Error.Code == ErrorCode.Local_QueueFull)
            {
                producer.Poll(TimeSpan.FromMilliseconds(100));
            }
        }
    }

    public static void ProduceWithBackpressure<TKey, TValue>(
        this IProducer<TKey, TValue> producer, string topic, Message<TKey, TValue> message, Action<DeliveryReport<TKey, TValue>>? onDelivery = null) =>
        producer.ProduceWithBackpressure(new TopicPartition(topic, Partition.Any), message, onDelivery);
}
