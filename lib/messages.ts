/** What can be handed to a child or sent in a channel message, as both the
 * rendezvous and channels say it when they refuse something else. */
export const TRANSFERABLE_OBJECTS =
  'a SharedMemory, a Channel, a net.Server, net.Socket, dgram.Socket or FileHandle';
/** The plain rights both accept, by their fields. */
export const RIGHT_SHAPES = '{ fd, disposition } or { port, disposition }';
